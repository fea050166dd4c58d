"""Detention, re-routing between channels and controls opened for a reason found after lodging; release itself
is the clearance flow's one decision.

Whatever here may end in a release (re-routing to green) takes that decision as an argument
(`clearway.holds.Release`), so every release goes through the same checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls.intake import KIND_OF_CHANNEL, task_values
from clearway.controls.models import ControlTask, Hold
from clearway.controls.roles import supervisor_required
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, Problem
from clearway.holds import Release


def declaration_detain(*, db: Session, actor: Principal, declaration: Declaration, reason: str,
                       now: datetime) -> Hold:
    """Detain goods under control: a hold that blocks release until lifted."""
    declarations.declaration_transition(db=db, actor=actor, declaration=declaration, target="detained",
                                        reason=reason, now=now)
    hold = Hold(declaration_id=declaration.id, kind="detention", reason=reason, placed_by=actor.username,
                placed_at=now)
    db.add(hold)
    db.flush()
    return hold


def detention_lift(*, db: Session, actor: Principal, declaration: Declaration, reason: str,
                   now: datetime) -> Declaration:
    """Lift the detention: the goods return under control (release is then decided as usual)."""
    holds = list(db.scalars(select(Hold).where(Hold.declaration_id == declaration.id, Hold.kind == "detention",
                                               Hold.lifted_at.is_(None))))
    if declaration.status != "detained" or not holds:
        raise Conflict([Problem("control.not_detained", "", {"status": declaration.status})])
    for hold in holds:
        hold.lifted_at, hold.lifted_by, hold.lift_reason = now, actor.username, reason
    return declarations.declaration_transition(db=db, actor=actor, declaration=declaration,
                                               target="under_control", reason=reason, now=now)


def _close_open_tasks(db: Session, declaration: Declaration, now: datetime) -> list[ControlTask]:
    tasks = list(db.scalars(select(ControlTask).where(ControlTask.declaration_id == declaration.id,
                                                      ControlTask.closed == false()).with_for_update()))
    for task in tasks:
        task.status, task.closed, task.result, task.finished_at = "done", True, "rerouted", now
    db.flush()  # the session does not autoflush: the release decision must see these closed
    return tasks


def declaration_reroute(*, db: Session, actor: Principal, declaration: Declaration, channel: str, reason: str,
                        release: Release, now: datetime) -> Declaration:
    """Move a declaration to the red channel (physical inspection) or the green one (release); supervisors only."""
    supervisor_required(db=db, actor=actor)
    if declaration.channel == channel or declaration.office != actor.office:
        raise Conflict([Problem("control.reroute_invalid", "/channel", {"channel": channel})])
    if channel == "red":
        target = "under_control" if declaration.status == "released" else None
        if declaration.status not in ("released", "under_control"):
            raise Conflict([Problem("declaration.transition_invalid", "/status",
                                    {"from": declaration.status, "to": "under_control"})])
        _close_open_tasks(db, declaration, now)
        declarations.declaration_reroute(db=db, actor=actor, declaration=declaration, channel=channel,
                                         target=target, reason=reason, now=now)
        db.add(ControlTask(**task_values(declaration_id=declaration.id, office=declaration.office,
                                         kind=KIND_OF_CHANNEL["red"], reasons=[{"rule": "officer.reroute",
                                                                                "text": reason}],
                                         items=declaration.document["items"], now=now)))
        db.flush()
        return declaration
    if declaration.status != "under_control":
        raise Conflict([Problem("declaration.transition_invalid", "/status",
                                {"from": declaration.status, "to": "released"})])
    _close_open_tasks(db, declaration, now)
    declarations.declaration_reroute(db=db, actor=actor, declaration=declaration, channel=channel, target=None,
                                     reason=reason, now=now)
    release.attempt(db=db, declaration=declaration, actor=actor, reason=f"{channel}: {reason}", now=now,
                    code="released.rerouted", params={"channel": channel, "text": reason})
    return declaration


# Where a control may be opened after lodging, and the status it puts the declaration in: released goods come back
# under control (the state machine's released -> under_control edge), goods still held stay as they are.
OPENABLE = {"channelled": "under_control", "released": "under_control", "under_control": None, "detained": None}
# The event each kind of control requested writes (a Time Release Study milestone for inspections).
REQUESTED_EVENT = {"documentary": "check_requested", "physical": "inspection_requested"}


def control_open(*, db: Session, actor: Principal, declaration: Declaration, kind: str, reason: dict[str, Any],
                 now: datetime) -> ControlTask:
    """Open a documentary check or physical inspection on a declaration for a reason found after its lodgement
    (another domain's: a mirror gap, ...); its open task holds the goods until the control ends.

    `reason` is a channel reason (`rule` code, `text`, and whatever the task's labels read): the task's reason.
    Released goods come back under control; cleared, cancelled or rejected ones cannot be controlled (409).
    """
    if kind not in REQUESTED_EVENT:
        raise Conflict([Problem("control.task_kind", "", {"kind": kind})])
    if declaration.status not in OPENABLE:
        raise Conflict([Problem("control.open_invalid", "/status", {"status": declaration.status})])
    text = str(reason.get("text") or reason.get("rule") or "")
    event = REQUESTED_EVENT[kind]
    target = OPENABLE[declaration.status]
    if target is None:
        declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind=event, reason=text, now=now,
                                      code=event, params={"text": text})
    else:
        declarations.declaration_transition(db=db, actor=actor, declaration=declaration, target=target,
                                            reason=text, now=now, kind=event, code=event, params={"text": text})
    task = ControlTask(**task_values(declaration_id=declaration.id, office=declaration.office, kind=kind,
                                     reasons=[reason], items=declaration.document["items"], now=now))
    db.add(task)
    db.flush()  # the session does not autoflush: the release decision must see the task open
    return task
