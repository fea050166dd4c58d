"""The centre's side of provisioning: a post's snapshot built from what the centre holds today, and the node
registered with the key its exports must carry.

The snapshot is read-only work over reference data, the tariff, the risk rules and watchlists, the AEO list
and the permits; each part is reduced to what the node can apply without the centre. A rule the node
cannot evaluate (anything beyond an HS prefix and an origin) is left out and counted, so the post's
operators know how much of the centre's targeting they work without.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clearway.agencies.models import Permit
from clearway.agencies.permits import remaining
from clearway.audit.service import audit_append
from clearway.auth.models import Organisation
from clearway.crisis.models import CrisisNode
from clearway.crisis.snapshot import snapshot_build, snapshot_sign
from clearway.declarations.channelling import RED_CHAPTERS, YELLOW_CHAPTERS
from clearway.errors import DomainError
from clearway.exchange import envelope
from clearway.exchange.directory import own_signing_key
from clearway.reference.service import hs_edition_on
from clearway.risk.models import RiskModel, RiskRule, RiskRuleVersion, WatchlistEntry
from clearway.tariff.schedules import schedule_snapshot

# `item.hs6 starts_with "8517"`, `item.chapter == "93"`, optionally `and item.origin == "IN"`.
_SIMPLE = re.compile(r'^\s*item\.(?:hs_code|hs6|hs4|chapter)\s+(?:starts_with|==)\s+"(\d{2,10})"'
                     r'(?:\s+and\s+item\.origin\s+==\s+"([A-Z]{2})")?\s*$')
DEFAULT_POLICY = {"release_channels": ["green", "blue"], "aeo_release_channels": ["yellow"]}


def _rules(db: Session, post: str) -> tuple[list[dict[str, Any]], int]:
    """The baseline rules and the centre's active rules for the post that the node can apply; and how many not."""
    rules = [{"id": f"default.{c}", "hs_prefix": c, "channel": "red"} for c in RED_CHAPTERS] + \
        [{"id": f"default.{c}", "hs_prefix": c, "channel": "yellow"} for c in YELLOW_CHAPTERS]
    left_out = 0
    active = db.execute(select(RiskRule.id, RiskRuleVersion.expression, RiskRuleVersion.channel,
                               RiskRuleVersion.offices).join(RiskRuleVersion, (RiskRuleVersion.rule_id == RiskRule.id)
                                                             & (RiskRuleVersion.version == RiskRule.active_version)))
    for rule_id, expression, channel, offices in active:
        if offices and post not in offices:
            continue
        simple = _SIMPLE.match(expression)
        if simple is None or channel not in ("yellow", "red", "blue"):
            left_out += 1
            continue
        rule: dict[str, Any] = {"id": f"R-{rule_id}", "hs_prefix": simple.group(1),
                                "channel": "green" if channel == "blue" else channel}
        if simple.group(2):
            rule["origin"] = simple.group(2)
        rules.append(rule)
    return rules, left_out


def _tariff(db: Session) -> dict[str, str]:
    """Ad valorem duty per HS6 in force today (the node's duty is provisional: the centre assesses again)."""
    try:
        schedule = schedule_snapshot(db=db)
    except DomainError:
        return {"": "0"}  # no schedule at the centre: nothing is due at the post either
    today = datetime.now().date()
    rates: dict[str, str] = {}
    for code, line in schedule.lines.items():
        duty = line.at(today).duty
        if duty is not None and duty.basis == "ad_valorem" and duty.pct is not None:
            rates.setdefault(code[:6], format(duty.pct.normalize(), "f"))
    return rates or {"": "0"}


def _permits(db: Session, share: Decimal, on: datetime) -> list[dict[str, Any]]:
    """A share of each approved permit's remaining quantity, allocated to the post."""
    found = []
    for permit in db.scalars(select(Permit).where(Permit.status == "approved",
                                                  or_(Permit.valid_to.is_(None), Permit.valid_to >= on.date()))):
        left, _value = remaining(permit)
        if left is not None and left > 0:
            found.append({"number": permit.number, "allocated": str((left * share).quantize(Decimal("0.001")))})
    return found


def snapshot_for_post(*, db: Session, post: str, jwk: dict[str, Any], now: datetime, valid_days: int = 7,
                      permit_share: Decimal = Decimal("0.2")) -> dict[str, Any]:
    """The signed snapshot of what the centre holds now, reduced to what a node at the post can apply."""
    edition = hs_edition_on(now.date())
    hs = sorted(c for c, (level, _p, _d) in (edition.codes.items() if edition else ()) if len(c) == 6)
    rules, left_out = _rules(db, post)
    watchlist = sorted({n for (n,) in db.execute(select(WatchlistEntry.name).where(
        WatchlistEntry.active.is_(True), or_(WatchlistEntry.expires_at.is_(None), WatchlistEntry.expires_at > now)))})
    model = db.scalars(select(RiskModel.version).where(RiskModel.status == "promoted")).first()
    aeo = sorted(db.scalars(select(Organisation.code).where(Organisation.aeo.is_(True))))
    snapshot = snapshot_build(
        post=post, issued_at=now, valid_until=now + timedelta(days=valid_days), reference={"hs": hs},
        tariff=_tariff(db), rules=rules, watchlist=watchlist,
        # The model itself cannot run at the post: its place is taken by the baseline's value threshold.
        model={"version": model or "baseline", "yellow_above_value": "1000000"}, aeo=aeo,
        permits=_permits(db, permit_share, now), policy={**DEFAULT_POLICY, "rules_left_out": left_out})
    return snapshot_sign(snapshot=snapshot, jwk=jwk)


def node_register(*, db: Session, post: str, public_jwk: dict[str, Any], snapshot_hash: str, actor: str,
                  now: datetime) -> CrisisNode:
    """Remember the node's key and snapshot (a post has one node; provisioning again replaces it), audited."""
    node = db.get(CrisisNode, post)
    if node is None:
        node = CrisisNode(post=post, public_jwk=public_jwk, snapshot_hash=snapshot_hash, provisioned_at=now)
        db.add(node)
    else:
        node.public_jwk, node.snapshot_hash, node.provisioned_at = public_jwk, snapshot_hash, now
    db.flush()
    audit_append(db=db, actor=actor, actor_org="customs", action="crisis.node_provisioned", target_type="post",
                 target_id=post, detail={"snapshot_hash": snapshot_hash}, at=now)
    return node


def post_snapshot_issue(*, db: Session, post: str, now: datetime, valid_days: int = 7) -> dict[str, Any]:
    """The signed snapshot for a post and the centre's public key the node checks it with."""
    jwk = own_signing_key(db=db, now=now)
    signed = snapshot_for_post(db=db, post=post, jwk=jwk, now=now, valid_days=valid_days)
    return {"signed": signed, "centre_public_jwk": envelope.public_of(jwk)}


def alerts_since(*, db: Session, now: datetime) -> list[dict[str, Any]]:
    """The centre's targeting a released offline consignment is checked against: active watchlist entries on a
    party (reconciliation keeps only those issued after the post's snapshot)."""
    rows = db.execute(select(WatchlistEntry.id, WatchlistEntry.party_id, WatchlistEntry.created_at).where(
        WatchlistEntry.active.is_(True), WatchlistEntry.party_id.is_not(None),
        or_(WatchlistEntry.expires_at.is_(None), WatchlistEntry.expires_at > now)))
    return [{"id": f"W-{i}", "party": party, "issued_at": at.isoformat()} for i, party, at in rows]


def permits_granted(*, db: Session, numbers: list[str]) -> dict[str, Decimal]:
    """The quantity granted on each permit a post drew on (a permit without a quantity balance is absent)."""
    return {n: q for n, q in db.execute(select(Permit.number, Permit.quantity).where(Permit.number.in_(numbers)))
            if q is not None}
