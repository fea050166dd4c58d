"""From alert to action: an analyst turns an alert into a watchlist entry or a time-boxed enhanced control (a
selectivity rule raising the control level of matching declarations until an expiry, WTO TFA 5.1), through the
risk engine's own watchlist and rule services; the expiry job lifts it, and every step is recorded.

The derived item carries the strictest marking of its sources; what an officer sees of it (the rule's reason,
the watchlist entry's source) names the alert's reference and marking, never its text or its source.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed
from clearway.intelligence import selectors
from clearway.intelligence.markings import strictest
from clearway.intelligence.models import IntelAlert, IntelDerived
from clearway.intelligence.schemas import ConversionCreate
from clearway.notifications.events import rfc3339
from clearway.notifications.service import notification_emit
from clearway.risk.api.schemas import RuleDraft, WatchlistDraft, WatchlistKind
from clearway.risk.models import RiskRule, WatchlistEntry
from clearway.risk.rules import ruleset, watchlists

TARGETING = "risk_targeting"  # the purpose an alert must allow for it to select declarations
TRADER_FIELDS = ("declarant.id", "importer.id", "exporter.id", "seller.id", "buyer.id")
WATCHLIST_KINDS: dict[str, WatchlistKind] = {"trader": "trader", "vehicle": "means", "vessel": "means"}
LIFTED_KIND = "control.enhanced_control_lifted"  # the notification a trader receives when its control ends


def _quoted(value: str) -> str:
    """A string literal of the rule language (its escapes), so no subject can change the rule's meaning."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rule_expression(subject_type: str, value: str) -> str | None:
    """The rule that matches the declarations an alert's subject concerns (as the hold matches them), or None."""
    v = _quoted(value)
    if subject_type == "trader":
        return " or ".join(f"{field} == {v}" for field in TRADER_FIELDS)
    if subject_type in ("vehicle", "vessel"):
        return f"transport.means_id == {v}"
    if subject_type == "goods":
        return f"item.hs_code starts_with {v}"
    if subject_type == "route":
        return f"transport.departure_country == {v} or item.origin == {v}"
    return None


def shown_reason(named: list[str], total: int, marking: str) -> str:
    """What an officer reads on a hit: up to three alert references, the strictest marking, and that the content
    is restricted. A RED alert's reference is never among them (RED goes to named people only, and the officer
    who sees the hit is not one of them); the wording stays the same as sources come and go, so a shared rule
    gets a new version only when what an officer reads changes."""
    shown = ", ".join(named[:3])
    if total > len(named[:3]):
        shown = f"{shown} and others" if shown else "(restricted alerts)"
    return f"Intelligence {shown} [TLP:{marking}]: enhanced control; content restricted to its readers"


def _active_items(rule_id: int) -> Any:
    return (IntelDerived.kind == "rule", IntelDerived.target_id == rule_id, IntelDerived.status == "active")


def _shared_rule(db: Session, alert: IntelAlert, channel: str) -> RiskRule | None:
    """The enhanced control already in force for the same subject and control level, if any: alerts on one
    subject share one rule, so a lodgement matched by a thousand alerts is evaluated against a handful of rules."""
    rows = db.scalars(select(IntelDerived.target_id).join(IntelAlert, IntelAlert.id == IntelDerived.alert_id).where(
        IntelDerived.kind == "rule", IntelDerived.status == "active", IntelAlert.subject_type == alert.subject_type,
        IntelAlert.subject_value == alert.subject_value).distinct())
    for rule_id in rows:
        rule = ruleset.rule_get(db=db, rule_id=rule_id, for_update=True)
        if rule.active_version is not None and ruleset.rule_version(
                db=db, rule=rule, version=rule.active_version).channel == channel:
            return rule
    return None


def _rule_refresh(db: Session, actor: Principal, rule: RiskRule, now: datetime) -> None:
    """Put in force the version of a shared rule its active sources call for (their strictest marking, their
    latest expiry, up to three references), or take it out of force when none is left. A few aggregate queries
    whatever the number of sources, and a new version only when one of those changes."""
    where = _active_items(rule.id)
    total, latest = db.execute(select(func.count(), func.max(IntelDerived.expires_at)).where(*where)).one()
    if not total:
        if rule.active_version is not None:
            ruleset.rule_deactivate(db=db, actor=actor, rule=rule, now=now)
        return
    joined = select(IntelAlert).join(IntelDerived, IntelDerived.alert_id == IntelAlert.id).where(*where)
    marking = strictest(db.scalars(joined.with_only_columns(IntelAlert.marking).distinct()))
    named = list(db.scalars(joined.with_only_columns(IntelAlert.reference).where(IntelAlert.marking != "RED")
                            .order_by(IntelDerived.id).limit(3)))
    current = ruleset.rule_version(db=db, rule=rule, version=rule.active_version or rule.version)
    draft = RuleDraft.model_validate({
        "name": rule.name, "expression": current.expression, "channel": current.channel, "offices": current.offices,
        "directions": current.directions, "valid_from": current.valid_from, "valid_to": (latest or now).date(),
        "priority": current.priority, "reason": shown_reason(named, total, marking)})
    if (current.reason, current.valid_to, rule.active_version) != (draft.reason, draft.valid_to, rule.version):
        ruleset.rule_edit(db=db, actor=actor, rule=rule, draft=draft, base_version=rule.version, now=now)
        ruleset.rule_activate(db=db, actor=actor, rule=rule, version=None, now=now)
    # The rule is derived from all of them: each carries the strictest marking.
    db.execute(update(IntelDerived).where(*where, IntelDerived.marking != marking).values(marking=marking))


SEVERITIES = ("low", "medium", "high")


def _shared_entry(db: Session, alert: IntelAlert) -> WatchlistEntry | None:
    """The watchlist entry already standing for the same subject, if any: alerts on one subject share one entry,
    so the subject is watched once, for as long as its longest source, at the strictest marking of them all."""
    rows = db.scalars(select(IntelDerived.target_id).join(IntelAlert, IntelAlert.id == IntelDerived.alert_id).where(
        IntelDerived.kind == "watchlist", IntelDerived.status == "active",
        IntelAlert.subject_type == alert.subject_type, IntelAlert.subject_value == alert.subject_value).distinct())
    for entry_id in rows:
        entry = watchlists.entry_get(db=db, entry_id=entry_id)
        if entry.active:
            return entry
    return None


def _entry_refresh(db: Session, actor: Principal, entry: WatchlistEntry, now: datetime,
                   severity: str | None = None) -> None:
    """Bring a shared watchlist entry in line with its active sources (strictest marking, latest expiry, up to
    three non-RED references, the highest severity asked), or withdraw it when none is left."""
    where = (IntelDerived.kind == "watchlist", IntelDerived.target_id == entry.id, IntelDerived.status == "active")
    total, latest = db.execute(select(func.count(), func.max(IntelDerived.expires_at)).where(*where)).one()
    if not total:
        if entry.active:
            watchlists.entry_withdraw(db=db, actor=actor, entry=entry, now=now)
        return
    joined = select(IntelAlert).join(IntelDerived, IntelDerived.alert_id == IntelAlert.id).where(*where)
    marking = strictest(db.scalars(joined.with_only_columns(IntelAlert.marking).distinct()))
    named = list(db.scalars(joined.with_only_columns(IntelAlert.reference).where(IntelAlert.marking != "RED")
                            .order_by(IntelDerived.id).limit(3)))
    shown = ", ".join(named) if total == len(named) else (f"{', '.join(named)} and others" if named
                                                           else "(restricted alerts)")
    level = max(entry.severity, severity or entry.severity, key=SEVERITIES.index)
    draft = WatchlistDraft.model_validate({
        "kind": entry.kind, "name": entry.name, "party_id": entry.party_id, "country": entry.country,
        "threshold": entry.threshold, "severity": level, "source": f"Intelligence {shown} [TLP:{marking}]"[:200],
        "note": shown_reason(named, total, marking), "expires_at": latest})
    if (entry.source, entry.note, entry.severity, entry.expires_at) != (draft.source, draft.note, draft.severity,
                                                                        draft.expires_at):
        watchlists.entry_update(db=db, actor=actor, entry=entry, draft=draft, now=now)
    db.execute(update(IntelDerived).where(*where, IntelDerived.marking != marking).values(marking=marking))


def _next_reference(db: Session, now: datetime) -> str:
    prefix = f"DRV-{now.year}-"
    last = db.scalar(select(func.max(IntelDerived.reference)).where(IntelDerived.reference.like(f"{prefix}%")))
    return f"{prefix}{(int(last[-5:]) + 1) if last else 1:05d}"


def _audit(db: Session, actor: Principal, what: str, item: IntelDerived, alert_ref: str, now: datetime,
           **detail: object) -> None:
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=f"intelligence.{what}",
                 target_type="intel_alert", target_id=alert_ref,
                 detail={"derived": item.reference, "kind": item.kind, "marking": item.marking,
                         "target_id": item.target_id, **detail}, at=now)


def alert_convert(*, db: Session, actor: Principal, reference: str, body: ConversionCreate,
                  now: datetime) -> IntelDerived:
    """Turn an alert into a watchlist entry or a time-boxed enhanced control (analysts; purpose risk targeting)."""
    if actor.role != "analyst":
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    alert, handling, _party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=TARGETING,
                                                       for_update=True)
    if TARGETING not in handling.purposes:  # even its author: the marking's purposes bind the derived item too
        raise Forbidden([Problem("intelligence.purpose_not_permitted", "/into", {"purpose": TARGETING})])
    if alert.status != "open":
        raise Conflict([Problem("intelligence.alert_not_open", "/reference", {"status": alert.status})])
    if alert.valid_to <= now:
        raise Conflict([Problem("intelligence.alert_expired", "/reference", {"reference": reference})])
    marking = strictest([handling.marking])
    # Never beyond the alert's own validity: the enhanced control cannot outlive its reason.
    expires = min(now + timedelta(days=body.days), alert.valid_to)
    shared: RiskRule | None = None
    shared_entry: WatchlistEntry | None = None
    item = IntelDerived(reference=_next_reference(db, now), kind="", target_id=0, marking=marking,
                        source_ids=[alert.id], alert_id=alert.id, created_by=actor.username, created_at=now,
                        status="active", expires_at=expires)
    if body.into == "watchlist":
        kind = WATCHLIST_KINDS.get(alert.subject_type)
        if kind is None:
            raise ValidationFailed([Problem("intelligence.subject_not_listable", "/into",
                                            {"subject_type": alert.subject_type})])
        entry = _shared_entry(db, alert)
        if entry is None:
            entry = watchlists.entry_create(db=db, actor=actor, now=now, draft=WatchlistDraft(
                kind=kind, name=alert.subject_value, party_id=alert.subject_value if kind == "trader" else None,
                threshold=100, severity=body.severity,
                source=f"Intelligence {'(restricted alerts)' if marking == 'RED' else alert.reference} "
                       f"[TLP:{marking}]",
                note=shown_reason([] if marking == "RED" else [alert.reference], 1, marking),
                expires_at=expires))
        else:
            shared_entry = entry
        item.kind, item.target_id = "watchlist", entry.id
    else:
        expression = rule_expression(alert.subject_type, alert.subject_value)
        if expression is None:
            raise ValidationFailed([Problem("intelligence.subject_not_matchable", "/into",
                                            {"subject_type": alert.subject_type})])
        shared = _shared_rule(db, alert, body.channel)
        if shared is None:
            rule = ruleset.rule_create(db=db, actor=actor, now=now, draft=RuleDraft(
                name=f"Intelligence: {alert.subject_type} {alert.subject_value[:80]} ({body.channel})",
                expression=expression, channel=body.channel, valid_from=now.date(), valid_to=expires.date(),
                priority=900, reason=shown_reason([] if marking == "RED" else [alert.reference], 1, marking)))
            ruleset.rule_activate(db=db, actor=actor, rule=rule, version=None, now=now)
        item.kind, item.target_id = "rule", (shared or rule).id
    db.add(item)
    db.flush()
    if item.kind == "rule" and shared is not None:
        _rule_refresh(db, actor, shared, now)
    if shared_entry is not None:
        _entry_refresh(db, actor, shared_entry, now, body.severity)
    _audit(db, actor, "alert_converted", item, alert.reference, now, expires_at=expires.isoformat())
    return item


def _lift(db: Session, actor: Principal, items: list[IntelDerived], now: datetime, why: str) -> None:
    """Lift derived items: each recorded; then each rule or entry they stood for once (a shared rule keeps going,
    re-versioned, for the sources still active)."""
    for item in items:
        item.status, item.lifted_at, item.lifted_by = "lifted", now, actor.username
        alert = db.get(IntelAlert, item.alert_id) if item.alert_id else None
        _audit(db, actor, "derived_lifted", item, alert.reference if alert else item.reference, now, why=why)
    db.flush()
    for kind, target in sorted({(i.kind, i.target_id) for i in items}):
        if kind == "rule":
            _rule_refresh(db, actor, ruleset.rule_get(db=db, rule_id=target, for_update=True), now)
        else:  # a shared entry goes on, re-worded, for the sources still active
            _entry_refresh(db, actor, watchlists.entry_get(db=db, entry_id=target), now)
    db.flush()
    _tell_traders(db, [i for i in items if i.kind == "rule"], now)


def _tell_traders(db: Session, items: list[IntelDerived], now: datetime) -> None:
    """Tell each trader whose enhanced control has now ended altogether (WTO TFA 5.1) that it is lifted.

    Only when no enhanced control on the trader is left in force (another alert's, another channel's), or the
    message would be false. It says only what a trader may know: its control level is back to normal, and when.
    No alert reference, marking, source, reason or originator: those stay with the readers of the intelligence.
    A watchlist entry is never announced (it is not a control level the trader was subject to as such).
    """
    alert_ids = sorted({i.alert_id for i in items if i.alert_id is not None})
    if not alert_ids:
        return
    traders = set(db.scalars(select(IntelAlert.subject_value).where(IntelAlert.id.in_(alert_ids),
                                                                   IntelAlert.subject_type == "trader")))
    for trader in sorted(traders):
        still = db.scalar(select(func.count()).select_from(IntelDerived).join(
            IntelAlert, IntelAlert.id == IntelDerived.alert_id).where(
            IntelDerived.kind == "rule", IntelDerived.status == "active", IntelAlert.subject_type == "trader",
            IntelAlert.subject_value == trader))
        if still or not selectors.is_trader_organisation(db=db, code=trader):
            continue  # still controlled, or no trader account to tell (an unregistered party)
        notification_emit(db=db, organisation=trader, kind=LIFTED_KIND, now=now, data={
            "control": "enhanced", "status": "lifted", "control_level": "normal", "lifted_at": rfc3339(now)})


def derived_expire_due(*, db: Session, now: datetime, limit: int = 500) -> list[IntelDerived]:
    """Lift every derived item whose expiry has passed (the worker runs this every minute), recorded."""
    due = list(db.scalars(select(IntelDerived).where(IntelDerived.status == "active",
                                                     IntelDerived.expires_at <= now)
                          .order_by(IntelDerived.expires_at).limit(limit).with_for_update(skip_locked=True)))
    if due:
        _lift(db, SYSTEM_ACTOR, due, now, "expired")
    return due


def derived_get(*, db: Session, reference: str, for_update: bool = False) -> IntelDerived:
    """A derived item by reference, or 404."""
    query = select(IntelDerived).where(IntelDerived.reference == reference)
    item = db.scalar(query.with_for_update() if for_update else query)
    if item is None:
        raise NotFound([Problem("intelligence.derived_unknown", "/reference", {"reference": reference})])
    return item


def derived_lift(*, db: Session, actor: Principal, reference: str, now: datetime) -> IntelDerived:
    """An analyst lifts an enhanced control or a watchlist entry before its expiry (who may read its alert)."""
    if actor.role != "analyst":
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    item = derived_get(db=db, reference=reference, for_update=True)
    alert = db.get(IntelAlert, item.alert_id) if item.alert_id else None
    if alert is None:
        raise NotFound([Problem("intelligence.derived_unknown", "/reference", {"reference": reference})])
    try:  # the same answer as an unknown reference for someone the marking keeps out
        selectors.alert_readable(db=db, actor=actor, reference=alert.reference, purpose=TARGETING)
    except NotFound:
        raise NotFound([Problem("intelligence.derived_unknown", "/reference", {"reference": reference})]) from None
    if item.status != "active":
        raise Conflict([Problem("intelligence.derived_lifted", "/reference", {"reference": reference})])
    _lift(db, actor, [item], now, "lifted by hand")
    return item
