"""The partner directory: partners, their keys (with rotation and validity), and our own signing keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.errors import Conflict, NotFound, Problem, ValidationFailed
from clearway.exchange import envelope
from clearway.exchange.agreements import DOC_TYPES, Agreement
from clearway.exchange.models import ExchangeKey, Partner
from clearway.exchange.settings import exchange_settings
from clearway.notifications.settings import endpoint_url_checked

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _doc_types(values: list[str], pointer: str) -> list[str]:
    unknown = [v for v in values if v not in DOC_TYPES]
    if unknown:
        raise ValidationFailed([Problem("exchange.doc_type_unknown", pointer, {"value": unknown[0][:40]})])
    return sorted(set(values))


def own_party(*, db: Session) -> str:
    """Who we are in envelopes: the owner of our signing keys (each database knows its administration), else
    the configured party."""
    owner = db.scalar(select(ExchangeKey.owner).where(ExchangeKey.own.is_(True)).order_by(ExchangeKey.id.desc())
                      .limit(1))
    return owner or exchange_settings().party_code


def partner_add(*, db: Session, actor: str, code: str, name: str, endpoint: str | None, sends: list[str],
                accepts: list[str], agreement: dict[str, Any], pull: bool = False, now: datetime) -> Partner:
    """Add a partner administration (or change an existing one), with the agreement that governs it."""
    if not code.isalnum() or not 2 <= len(code) <= 8 or code != code.upper():
        raise ValidationFailed([Problem("exchange.partner_code_invalid", "/code", {"value": code[:10]})])
    if code == own_party(db=db):
        raise ValidationFailed([Problem("exchange.partner_is_self", "/code", {"value": code})])
    try:
        terms = Agreement.model_validate(agreement)
    except ValidationError:
        raise ValidationFailed([Problem("exchange.agreement_invalid", "/agreement", {})]) from None
    _doc_types(list(terms.documents), "/agreement/documents")
    partner = db.get(Partner, code) or Partner(code=code, created_at=now)
    partner.name, partner.active, partner.pull = name[:200], True, pull
    partner.endpoint = endpoint_url_checked(endpoint.rstrip("/")) if endpoint else None
    partner.sends, partner.accepts = _doc_types(sends, "/sends"), _doc_types(accepts, "/accepts")
    partner.agreement = terms.model_dump(by_alias=True)
    db.add(partner)
    db.flush()
    audit_append(db=db, actor=actor, actor_org=own_party(db=db), action="exchange.partner_set",
                 target_type="partner", target_id=code, detail={"agreement": partner.agreement,
                                                                "sends": partner.sends, "accepts": partner.accepts},
                 at=now)
    return partner


def partner_get(*, db: Session, code: str) -> Partner:
    """A partner by code, or 404."""
    partner = db.get(Partner, code)
    if partner is None:
        raise NotFound([Problem("exchange.partner_unknown", "", {"value": code[:10]})])
    return partner


def partner_key_add(*, db: Session, actor: str, partner: str, public_jwk: dict[str, Any], now: datetime,
                    valid_from: datetime | None = None, valid_to: datetime | None = None) -> ExchangeKey:
    """Register a partner's public key; keys already known by kid are left as they are."""
    partner_get(db=db, code=partner)
    if public_jwk.get("kty") != "OKP" or public_jwk.get("crv") != "Ed25519" or "d" in public_jwk \
            or not isinstance(public_jwk.get("x"), str) or not isinstance(public_jwk.get("kid"), str):
        raise ValidationFailed([Problem("exchange.key_invalid", "/key", {})])
    found = db.scalar(select(ExchangeKey).where(ExchangeKey.owner == partner, ExchangeKey.kid == public_jwk["kid"]))
    if found is not None:
        return found
    # Without a stated start, a partner key covers what it signed before we learnt it (sent while we were away).
    key = ExchangeKey(owner=partner, own=False, kid=public_jwk["kid"], public_jwk=envelope.public_of(public_jwk),
                      private_jwk=None, valid_from=valid_from or EARLIEST, valid_to=valid_to, revoked=False)
    db.add(key)
    db.flush()
    audit_append(db=db, actor=actor, actor_org=own_party(db=db), action="exchange.partner_key_added",
                 target_type="partner", target_id=partner, detail={"kid": key.kid}, at=now)
    return key


def partner_key_retire(*, db: Session, actor: str, partner: str, kid: str, at: datetime, now: datetime) -> None:
    """End a partner key's validity at `at` (its signatures made after then are refused)."""
    key = db.scalar(select(ExchangeKey).where(ExchangeKey.owner == partner, ExchangeKey.kid == kid))
    if key is None:
        raise NotFound([Problem("exchange.key_unknown", "", {"value": kid[:50]})])
    key.valid_to = at
    audit_append(db=db, actor=actor, actor_org=own_party(db=db), action="exchange.partner_key_retired",
                 target_type="partner", target_id=partner, detail={"kid": kid}, at=now)


def own_key_rotate(*, db: Session, actor: str, now: datetime, party: str | None = None) -> ExchangeKey:
    """A new signing key of ours; the previous ones stay valid for the overlap, so partners can catch up."""
    party = party or own_party(db=db)
    overlap_end = now + timedelta(seconds=exchange_settings().key_overlap_s)
    for old in db.scalars(select(ExchangeKey).where(ExchangeKey.own.is_(True), ExchangeKey.valid_to.is_(None))):
        old.valid_to = overlap_end
    jwk = envelope.key_generate()
    key = ExchangeKey(owner=party, own=True, kid=jwk["kid"], public_jwk=envelope.public_of(jwk), private_jwk=jwk,
                      valid_from=now, valid_to=None, revoked=False)
    db.add(key)
    db.flush()
    audit_append(db=db, actor=actor, actor_org=party, action="exchange.key_rotated", target_type="key",
                 target_id=key.kid, detail={}, at=now)
    return key


def _valid_at(at: datetime) -> Any:
    return (ExchangeKey.valid_from <= at) & or_(ExchangeKey.valid_to.is_(None), ExchangeKey.valid_to > at) \
        & ExchangeKey.revoked.is_(False)


def own_signing_key(*, db: Session, now: datetime) -> dict[str, Any]:
    """Our newest valid private key (409 when we have none: `clearway exchange rotate-keys` makes one)."""
    key = db.scalar(select(ExchangeKey).where(ExchangeKey.own.is_(True), _valid_at(now))
                    .order_by(ExchangeKey.valid_from.desc(), ExchangeKey.id.desc()).limit(1))
    if key is None or key.private_jwk is None:
        raise Conflict([Problem("exchange.no_own_key", "", {})])
    return key.private_jwk


def own_public_keys(*, db: Session, now: datetime) -> list[dict[str, Any]]:
    """Our public keys still valid now (the JWKS partners fetch), newest first."""
    keys = db.scalars(select(ExchangeKey).where(ExchangeKey.own.is_(True), _valid_at(now))
                      .order_by(ExchangeKey.valid_from.desc(), ExchangeKey.id.desc()))
    return [k.public_jwk for k in keys]


def partner_public_key(*, db: Session, partner: str, kid: str, at: datetime) -> dict[str, Any] | None:
    """The partner's public key with this kid if it was valid at `at`, else None."""
    key = db.scalar(select(ExchangeKey).where(ExchangeKey.owner == partner, ExchangeKey.own.is_(False),
                                              ExchangeKey.kid == kid, _valid_at(at)))
    return key.public_jwk if key is not None else None
