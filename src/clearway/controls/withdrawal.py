"""Closing the controls of a declaration that is withdrawn (cancelled by its trader or an officer, or a training
projection taken out of the queue): no examiner is given them and no workload counts them.

A withdrawn control is closed without a result label (`withdrawn` is not an outcome): it never becomes a
training label for the risk model nor a hit or miss in the statistics.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.controls.models import ControlTask
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration

WITHDRAWN = "withdrawn"  # the result of a control closed because its declaration was withdrawn
# Declaration statuses after which no control of it may stay open.
TERMINAL = ("cancelled", "rejected")


def tasks_withdraw(*, db: Session, declaration: Declaration, reason: str, now: datetime) -> list[ControlTask]:
    """Close the declaration's open documentary checks and inspections (audited); the tasks closed."""
    tasks = list(db.scalars(select(ControlTask).where(ControlTask.declaration_id == declaration.id,
                                                      ControlTask.closed == false())
                            .order_by(ControlTask.id).with_for_update()))
    for task in tasks:
        task.status, task.closed, task.result, task.finished_at = "done", True, WITHDRAWN, now
        task.note = reason[:2000]
    if tasks:
        audit_append(db=db, actor=SYSTEM_ACTOR.username, actor_org=SYSTEM_ACTOR.organisation_code,
                     action="control.tasks_withdrawn", target_type="declaration", target_id=declaration.mrn,
                     detail={"tasks": [t.id for t in tasks], "assignees": sorted({t.assignee for t in tasks
                                                                                  if t.assignee}),
                             "reason": reason}, at=now)
    db.flush()  # the session does not autoflush: the queue and the workload read these closed
    return tasks


class ControlsStep:
    """The controls' part of cancelling (listed in the wiring): a cancelled declaration's controls are closed."""

    def lodged(self, *, db: Session, declaration: Declaration, actor: Principal, now: datetime) -> None:
        """Nothing: controls are opened when the channel is decided (clearway.controls.intake)."""

    def amended(self, *, db: Session, declaration: Declaration, actor: Principal, now: datetime) -> None:
        """Nothing: an amendment leaves the controls to the examiner."""

    def withdrawn(self, *, db: Session, declaration: Declaration, now: datetime) -> None:
        """Close every open control of the cancelled declaration."""
        tasks_withdraw(db=db, declaration=declaration, reason="declaration cancelled", now=now)
