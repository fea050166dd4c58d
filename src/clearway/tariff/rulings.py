"""Advance rulings: binding classification or origin decisions a trader requests and an officer issues.

A ruling names the goods by `match_terms`, words that an item description must all contain for the
ruling to apply (e.g. the model designation). Validation calls `rulings_contradicted` to warn when
a declaration of the same trader classifies or originates such goods differently.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clearway.errors import Problem, ValidationFailed
from clearway.tariff.cache import tariff_cache_invalidate
from clearway.tariff.errors import RulingNotFound, RulingStateConflict, problem
from clearway.tariff.models import AdvanceRuling

DEFAULT_VALIDITY = timedelta(days=3 * 365)  # three years unless the officer says otherwise, as for EU BTIs
_WORD = re.compile(r"[\w.-]+")


class _Item(Protocol):
    @property
    def hs_code(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def origin_country(self) -> str: ...


class _Document(Protocol):
    @property
    def items(self) -> Sequence[_Item]: ...


def _terms(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ruling_request(*, db: Session, holder_id: str, kind: Literal["classification", "origin"],
                   goods_description: str, match_terms: str, now: datetime, proposed_hs: str | None = None,
                   proposed_origin: str | None = None) -> AdvanceRuling:
    """Record a trader's request for an advance ruling."""
    terms = _terms(match_terms)
    if not terms:
        raise ValidationFailed([problem("ruling_terms", "/match_terms")])
    ruling = AdvanceRuling(reference=f"PENDING-{uuid.uuid4().hex[:20]}", holder_id=holder_id, kind=kind,
                           status="requested", goods_description=goods_description, match_terms=" ".join(terms),
                           proposed_hs=proposed_hs, proposed_origin=proposed_origin, requested_at=now)
    db.add(ruling)
    db.flush()
    ruling.reference = f"AR-{now:%Y}-{ruling.id:06d}"  # the id is only known after the insert
    db.flush()
    return ruling


def _get(db: Session, reference: str) -> AdvanceRuling:
    ruling = db.scalars(select(AdvanceRuling).where(AdvanceRuling.reference == reference)).first()
    if ruling is None:
        raise RulingNotFound([problem("ruling_not_found", "", reference=reference)])
    return ruling


def _expect(ruling: AdvanceRuling, status: str) -> None:
    if ruling.status != status:
        raise RulingStateConflict([problem("ruling_state", "", reference=ruling.reference, status=ruling.status)])


def ruling_issue(*, db: Session, reference: str, officer_id: int, valid_from: date, now: datetime,
                 hs_code: str | None = None, origin_country: str | None = None, valid_to: date | None = None,
                 justification: str | None = None) -> AdvanceRuling:
    """Issue a requested ruling with its decision and validity dates."""
    ruling = _get(db, reference)
    _expect(ruling, "requested")
    valid_to = valid_to or valid_from + DEFAULT_VALIDITY
    problems: list[Problem] = []
    if ruling.kind == "classification" and not (hs_code and hs_code.isdigit() and len(hs_code) in (6, 8, 10)):
        problems.append(problem("ruling_decision", "/hs_code", kind=ruling.kind))
    if ruling.kind == "origin" and not (origin_country and len(origin_country) == 2):
        problems.append(problem("ruling_decision", "/origin_country", kind=ruling.kind))
    if valid_to < valid_from:
        problems.append(problem("ruling_dates", "/valid_to"))
    if problems:
        raise ValidationFailed(problems)
    ruling.status, ruling.hs_code, ruling.origin_country = "issued", hs_code, origin_country
    ruling.valid_from, ruling.valid_to, ruling.justification = valid_from, valid_to, justification
    ruling.officer_id, ruling.decided_at = officer_id, now
    db.flush()
    tariff_cache_invalidate()  # lodging now checks this holder's declarations against its rulings
    return ruling


def ruling_refuse(*, db: Session, reference: str, officer_id: int, justification: str,
                  now: datetime) -> AdvanceRuling:
    """Refuse a requested ruling, with the reason."""
    ruling = _get(db, reference)
    _expect(ruling, "requested")
    ruling.status, ruling.justification = "refused", justification
    ruling.officer_id, ruling.decided_at = officer_id, now
    db.flush()
    return ruling


def ruling_revoke(*, db: Session, reference: str, officer_id: int, justification: str, on: date) -> AdvanceRuling:
    """Revoke an issued ruling from a date on (it stays binding for the days before)."""
    ruling = _get(db, reference)
    _expect(ruling, "issued")
    ruling.status, ruling.officer_id = "revoked", officer_id
    ruling.valid_to = min(ruling.valid_to or on, on - timedelta(days=1))
    ruling.justification = f"{ruling.justification or ''}\nRevoked: {justification}".strip()
    db.flush()
    return ruling


def rulings_valid(*, db: Session, holder_id: str, on: date) -> list[AdvanceRuling]:
    """The rulings of a trader binding on a date (issued, or revoked later than the date)."""
    return list(db.scalars(
        select(AdvanceRuling).where(
            AdvanceRuling.holder_id == holder_id, AdvanceRuling.status.in_(("issued", "revoked")),
            AdvanceRuling.valid_from <= on, or_(AdvanceRuling.valid_to.is_(None), AdvanceRuling.valid_to >= on))
        .order_by(AdvanceRuling.id)))


def rulings_contradicted(*, db: Session, declarant_id: str, document: _Document, on: date) -> list[Problem]:
    """Warnings for items that match a valid ruling of the declarant but declare another code or origin."""
    rulings = rulings_valid(db=db, holder_id=declarant_id, on=on)
    found: list[Problem] = []
    for i, item in enumerate(document.items):
        words = set(_terms(item.description))
        for ruling in rulings:
            if not set(ruling.match_terms.split()) <= words:
                continue
            if ruling.kind == "classification" and ruling.hs_code:
                n = min(len(item.hs_code), len(ruling.hs_code))
                if item.hs_code[:n] != ruling.hs_code[:n]:
                    found.append(problem("ruling_classification", f"/items/{i}/hs_code", ruling=ruling.reference,
                                         expected=ruling.hs_code, given=item.hs_code))
            elif ruling.kind == "origin" and ruling.origin_country and item.origin_country != ruling.origin_country:
                found.append(problem("ruling_origin", f"/items/{i}/origin_country", ruling=ruling.reference,
                                     expected=ruling.origin_country, given=item.origin_country))
    return found


def rulings_issued(*, db: Session, kind: str = "classification") -> list[AdvanceRuling]:
    """Every issued ruling of a kind (what classification learns from), oldest first."""
    query = select(AdvanceRuling).where(AdvanceRuling.kind == kind, AdvanceRuling.status == "issued")
    return list(db.scalars(query.order_by(AdvanceRuling.id)).all())


def ruling_get(*, db: Session, reference: str) -> AdvanceRuling:
    """One ruling by its reference (404 problem when there is none)."""
    return _get(db, reference)


def rulings_list(*, db: Session, status: str | None = None, kind: str = "classification",
                 limit: int = 200) -> list[AdvanceRuling]:
    """Rulings of a kind (in one status, if given), the oldest request first: the analysts' queue."""
    query = select(AdvanceRuling).where(AdvanceRuling.kind == kind)
    if status is not None:
        query = query.where(AdvanceRuling.status == status)
    return list(db.scalars(query.order_by(AdvanceRuling.requested_at, AdvanceRuling.id).limit(limit)).all())
