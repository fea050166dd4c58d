"""Outcomes without typing: when a control on a declaration an alert concerned ends, the outcome (seizure, hit or
no hit, from the control's findings) goes back to the alert's originator, recorded as automatic.

An alert concerned a declaration when it held it (its subject matched, or it was acted on against the
declaration or a party), or when something derived from it (an enhanced control, a watchlist entry) selected it
in the risk decision. The pass reads control tasks finished since its watermark, so each control is seen once;
an outcome already reported (by an officer, or a previous pass) is never overwritten.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.controls.models import ControlTask, EnforcementCase
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration
from clearway.holds import Release
from clearway.intelligence.holds import concerned_alert_ids
from clearway.intelligence.models import IntelAction, IntelAlert, IntelDerived, IntelOutcome, IntelScanState
from clearway.risk.models import RiskDecision

SCAN = "outcomes_from_controls"
OVERLAP = timedelta(minutes=2)  # tasks committed late with an earlier finish time are still seen
ENDED = ("compliant", "irregular")  # a control that looked at the goods (not rerouted, not withdrawn)
SYSTEM = "system"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _selected_by_derived(db: Session, declaration_id: int) -> set[int]:
    """Alerts whose enhanced control or watchlist entry selected the declaration in its risk decision."""
    decision = db.scalar(select(RiskDecision).where(RiskDecision.declaration_id == declaration_id))
    if decision is None:
        return set()
    # Built-in rules (the default profile) hit with no rule id: they stand for no alert.
    rules = {int(h["rule_id"]) for h in decision.rule_hits or [] if h.get("rule_id") is not None}
    entries = {int(h["entry_id"]) for h in decision.watchlist_hits or [] if h.get("entry_id") is not None}
    if not rules and not entries:
        return set()
    found: set[int] = set()
    at = decision.decided_at
    for kind, ids in (("rule", rules), ("watchlist", entries)):
        if ids:  # a shared rule stands for the alerts whose items were in force when it selected the goods
            found.update(a for a in db.scalars(select(IntelDerived.alert_id).where(
                IntelDerived.kind == kind, IntelDerived.target_id.in_(sorted(ids)), IntelDerived.created_at <= at,
                or_(IntelDerived.lifted_at.is_(None), IntelDerived.lifted_at > at))) if a is not None)
    return found


def outcome_of(db: Session, task: ControlTask) -> str:
    """What the control found: a seizure (an enforcement case), a hit (a discrepancy), or no hit."""
    if db.scalar(select(EnforcementCase.id).where(EnforcementCase.task_id == task.id)) is not None:
        return "seizure"
    return "hit" if task.fraud_found else "no_hit"


def outcomes_for_task(*, db: Session, task: ControlTask, release: Release, now: datetime) -> list[IntelOutcome]:
    """Report one finished control's outcome on every alert that concerned its declaration and has none there."""
    declaration = db.get(Declaration, task.declaration_id)
    if declaration is None:
        return []
    alert_ids = set(concerned_alert_ids(db, declaration)) | _selected_by_derived(db, declaration.id)
    if not alert_ids:
        return []
    reported = set(db.scalars(select(IntelOutcome.alert_id).where(IntelOutcome.declaration_id == declaration.id,
                                                                  IntelOutcome.alert_id.in_(sorted(alert_ids)))))
    outcome = outcome_of(db, task)
    made = []
    # An alert raised after the control ended did not cause it: it gets no outcome from it.
    ended = task.finished_at or now
    for alert in db.scalars(select(IntelAlert).where(IntelAlert.id.in_(sorted(alert_ids - reported)),
                                                     IntelAlert.created_at <= ended).order_by(IntelAlert.id)):
        row = IntelOutcome(alert_id=alert.id, declaration_id=declaration.id, outcome=outcome, recorded_by=SYSTEM,
                           recorded_at=now, automatic=True, task_id=task.id,
                           note=f"control {task.id} ({task.kind}): {task.result}")
        db.add(row)
        db.execute(update(IntelAction).where(IntelAction.alert_id == alert.id,
                                             IntelAction.declaration_id == declaration.id,
                                             IntelAction.status == "active")
                   .values(status="lifted", lifted_by=SYSTEM, lifted_at=now))
        audit_append(db=db, actor=SYSTEM, actor_org=SYSTEM, action="intelligence.outcome_reported",
                     target_type="intel_alert", target_id=alert.reference,
                     detail={"marking": alert.marking, "mrn": declaration.mrn, "outcome": outcome,
                             "originator": alert.originator_org, "automatic": True, "task": task.id}, at=now)
        made.append(row)
    db.flush()
    if made and outcome == "no_hit":  # the alerts stop holding the goods: they go if nothing else holds them
        release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR, now=now,
                        reason=f"intelligence: no hit at control {task.id}")
    return made


def outcomes_from_controls(*, db: Session, release: Release, now: datetime, limit: int = 500) -> int:
    """One pass: every control finished since the watermark reports back to the alerts that concerned it.

    The watermark is a keyset (finish time, task id), so a burst of controls finishing together never stalls the
    pass; the last OVERLAP before it is looked at again, for a control committed after a later one was seen (a
    control already reported on costs a look-up and reports nothing twice)."""
    state = db.get(IntelScanState, SCAN, with_for_update=True)
    if state is None:
        state = IntelScanState(name=SCAN, at=EPOCH, last_id=0)
        db.add(state)
        db.flush()
    ended = (ControlTask.closed.is_(True), ControlTask.finished_at.is_not(None), ControlTask.finished_at <= now,
             ControlTask.result.in_(ENDED))
    order = (ControlTask.finished_at, ControlTask.id)
    fresh = list(db.scalars(select(ControlTask).where(*ended, or_(
        ControlTask.finished_at > state.at, and_(ControlTask.finished_at == state.at, ControlTask.id > state.last_id)))
        .order_by(*order).limit(limit)))
    late = list(db.scalars(select(ControlTask).where(*ended, ControlTask.finished_at > state.at - OVERLAP,
                                                     ControlTask.finished_at <= state.at).order_by(*order)
                           .limit(limit)))
    made = 0
    for task in (*late, *fresh):
        made += len(outcomes_for_task(db=db, task=task, release=release, now=now))
    if fresh:
        last = fresh[-1]
        state.at, state.last_id = last.finished_at or state.at, last.id
    db.flush()
    return made
