"""Release and clearance as separate facts (WTO TFA 7.3), detention, and re-routing between channels.

Release needs: the declaration under control, every control task closed, no active hold, and the
duty paid or guaranteed. Clearance needs release and final duties. The payment and finality checks
are seams the tariff domain fills with `payment_check_install` / `finality_check_install`; until
it does, no payment data exists here, so none can be missing, and controls' own adjustments are final.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls.intake import KIND_OF_CHANNEL, task_values
from clearway.controls.models import Adjustment, ControlTask, Hold
from clearway.controls.roles import supervisor_required
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, Problem

Check = Callable[[Session, Declaration], Problem | None]


def _no_payment_data(db: Session, declaration: Declaration) -> Problem | None:
    return None


def _adjustments_final(db: Session, declaration: Declaration) -> Problem | None:
    pending = db.scalar(select(Adjustment.id).where(Adjustment.declaration_id == declaration.id,
                                                    Adjustment.final.is_(False)).limit(1))
    return Problem("clearance.duties_not_final", "", {"adjustment": pending}) if pending else None


_payment_check: Check = _no_payment_data
_finality_check: Check = _adjustments_final


def payment_check_install(check: Check) -> None:
    """Replace the paid-or-guaranteed check (the tariff domain's seam): None when financially cleared."""
    global _payment_check
    _payment_check = check


def finality_check_install(check: Check) -> None:
    """Replace the duties-are-final check used before clearance (the tariff domain's seam)."""
    global _finality_check
    _finality_check = check


def release_blockers(*, db: Session, declaration: Declaration) -> list[Problem]:
    """Every reason the declaration may not be released now; empty when it may."""
    if declaration.status not in ("under_control", "detained"):
        return [Problem("release.not_under_control", "", {"status": declaration.status})]
    blockers = [Problem("release.control_open", "", {"task": task_id, "kind": kind})
                for task_id, kind in db.execute(select(ControlTask.id, ControlTask.kind).where(
                    ControlTask.declaration_id == declaration.id, ControlTask.closed == false()))]
    blockers += [Problem("release.hold_active", "", {"hold": hold_id, "kind": kind})
                 for hold_id, kind in db.execute(select(Hold.id, Hold.kind).where(
                     Hold.declaration_id == declaration.id, Hold.lifted_at.is_(None)))]
    unpaid = _payment_check(db, declaration)
    return [*blockers, unpaid] if unpaid else blockers


def declaration_release(*, db: Session, actor: Principal, declaration: Declaration, reason: str,
                        now: datetime) -> Declaration:
    """Release the goods, or 409 with every blocker."""
    blockers = release_blockers(db=db, declaration=declaration)
    if blockers:
        raise Conflict(blockers)
    return declarations.declaration_transition(db=db, actor=actor, declaration=declaration, target="released",
                                               reason=reason, now=now)


def release_if_ready(*, db: Session, actor: Principal, declaration: Declaration, now: datetime) -> bool:
    """Release at once when nothing blocks it (after the last control closes); True when released."""
    if release_blockers(db=db, declaration=declaration):
        return False
    declarations.declaration_transition(db=db, actor=actor, declaration=declaration, target="released",
                                        reason="controls completed", now=now)
    return True


def declaration_clear(*, db: Session, actor: Principal, declaration: Declaration, reason: str,
                      now: datetime) -> Declaration:
    """Clear a released declaration whose duties are final."""
    if declaration.status != "released":
        raise Conflict([Problem("clearance.not_released", "", {"status": declaration.status})])
    not_final = _finality_check(db, declaration)
    if not_final:
        raise Conflict([not_final])
    return declarations.declaration_transition(db=db, actor=actor, declaration=declaration, target="cleared",
                                               reason=reason, now=now)


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
    db.flush()  # the session does not autoflush: release_blockers must see these closed
    return tasks


def declaration_reroute(*, db: Session, actor: Principal, declaration: Declaration, channel: str, reason: str,
                        now: datetime) -> Declaration:
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
    blocked = bool(release_blockers(db=db, declaration=declaration))
    return declarations.declaration_reroute(db=db, actor=actor, declaration=declaration, channel=channel,
                                            target=None if blocked else "released", reason=reason, now=now)
