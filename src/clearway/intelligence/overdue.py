"""Feedback owed on alerts: a recipient owes the outcome of an alert it was sent within the feedback period
(`IntelligenceSettings.feedback_days`, 14 days by default) of receiving it, and the originator follows up an alert
with no outcome after as many days. When the date passes
with no outcome, the job raises an overdue task for each of them (once, audited); the task closes by itself
when an outcome is reported or the alert ends (withdrawn or past its validity).

A task names the alert's reference and due date only; it is listed to its owner through the marking (a reader
who may no longer read the alert for the purpose it states does not see it), never with the alert's text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Exists, exists, or_, select, update
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.intelligence import selectors
from clearway.intelligence.markings import permitted
from clearway.intelligence.models import IntelAlert, IntelFeedbackTask, IntelOutcome, IntelRecipient
from clearway.intelligence.schemas import FeedbackTaskRead

SYSTEM = "system"


def _has_outcome() -> Exists:
    return exists().where(IntelOutcome.alert_id == IntelFeedbackTask.alert_id)


def _raise(db: Session, alert: IntelAlert, key: str, role: str, due: datetime, now: datetime) -> IntelFeedbackTask:
    task = IntelFeedbackTask(alert_id=alert.id, owner_key=key, role=role, due_at=due, raised_at=now, status="open")
    db.add(task)
    audit_append(db=db, actor=SYSTEM, actor_org=SYSTEM, action="intelligence.feedback_overdue",
                 target_type="intel_alert", target_id=alert.reference,
                 detail={"marking": alert.marking, "owner": key, "role": role, "due_at": due.isoformat()}, at=now)
    return task


def feedback_overdue_pass(*, db: Session, now: datetime, days: int, limit: int = 500) -> int:
    """Close the tasks whose alert has an outcome or has ended; raise one for every feedback `days` overdue."""
    ended = select(IntelAlert.id).where(or_(IntelAlert.status != "open", IntelAlert.valid_to <= now))
    db.execute(update(IntelFeedbackTask).where(IntelFeedbackTask.status == "open", _has_outcome())
               .values(status="closed", closed_at=now, closed_why="outcome"))
    db.execute(update(IntelFeedbackTask).where(IntelFeedbackTask.status == "open",
                                               IntelFeedbackTask.alert_id.in_(ended))
               .values(status="closed", closed_at=now, closed_why="alert_ended"))
    cutoff = now - timedelta(days=days)
    live = (IntelAlert.kind == "alert", IntelAlert.status == "open", IntelAlert.valid_to > now,
            ~exists().where(IntelOutcome.alert_id == IntelAlert.id))
    raised = 0
    owed = db.execute(select(IntelAlert, IntelRecipient.key, IntelRecipient.added_at)
                      .join(IntelRecipient, IntelRecipient.alert_id == IntelAlert.id)
                      .where(*live, IntelRecipient.added_at <= cutoff,
                             ~exists().where(IntelFeedbackTask.alert_id == IntelAlert.id,
                                             IntelFeedbackTask.owner_key == IntelRecipient.key))
                      .order_by(IntelAlert.id, IntelRecipient.id).limit(limit)).all()
    for alert, key, added_at in owed:
        _raise(db, alert, key, "recipient", added_at + timedelta(days=days), now)
        raised += 1
    originators = db.scalars(select(IntelAlert).where(*live, IntelAlert.created_at <= cutoff).where(
        ~exists().where(IntelFeedbackTask.alert_id == IntelAlert.id, IntelFeedbackTask.role == "originator"))
        .order_by(IntelAlert.id).limit(limit))
    for alert in originators:
        _raise(db, alert, f"user:{alert.originator_user}", "originator", alert.created_at + timedelta(days=days),
               now)
        raised += 1
    db.flush()
    return raised


def feedback_tasks_for(*, db: Session, actor: Principal, purpose: str | None, now: datetime,
                       limit: int = 200) -> list[FeedbackTaskRead]:
    """The open overdue tasks the caller owns (its user, office or organisation), on alerts it may still read."""
    party = selectors.party_of(db=db, actor=actor)
    rows = db.execute(select(IntelFeedbackTask, IntelAlert)
                      .join(IntelAlert, IntelAlert.id == IntelFeedbackTask.alert_id)
                      .where(IntelFeedbackTask.status == "open", IntelFeedbackTask.owner_key.in_(sorted(party.keys())))
                      .order_by(IntelFeedbackTask.due_at, IntelFeedbackTask.id).limit(limit)).all()
    return [FeedbackTaskRead(reference=alert.reference, marking=alert.marking, role=task.role, owner=task.owner_key,
                             due_at=task.due_at, raised_at=task.raised_at,
                             days_overdue=max(0, (now - task.due_at).days))
            for task, alert in rows if permitted(selectors.handling_of(db=db, alert=alert), party, "read", purpose)]
