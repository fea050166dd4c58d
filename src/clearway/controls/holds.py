"""Controls' reasons to hold goods: an open documentary check or inspection, a detention, a missing control,
goods seized at an inspection (an open enforcement case)."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from clearway.controls.intake import KIND_OF_CHANNEL
from clearway.controls.models import Adjustment, ControlTask, EnforcementCase
from clearway.controls.models import Hold as HoldRow
from clearway.declarations.models import Declaration
from clearway.holds import Hold, Lodged


def control_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold the goods while a control is open or a detention stands; a yellow or red declaration never
    controlled at all is held too (its control is missing, not done)."""
    # One round trip: the declaration's control tasks and its standing holds.
    rows = db.execute(
        select(literal("task").label("source"), ControlTask.id, ControlTask.kind, ControlTask.closed)
        .where(ControlTask.declaration_id == declaration.id)
        .union_all(select(literal("hold"), HoldRow.id, HoldRow.kind, literal(False))
                   .where(HoldRow.declaration_id == declaration.id, HoldRow.lifted_at.is_(None)),
                   # Seized goods never go with the rest: the enforcement case must be closed first.
                   select(literal("seizure"), EnforcementCase.id, EnforcementCase.reference, literal(False))
                   .where(EnforcementCase.declaration_id == declaration.id, EnforcementCase.status == "open"))
    ).all()
    tasks = [r for r in rows if r.source == "task"]
    holds = [Hold("control.open", "customs", {"task": str(t.id), "kind": t.kind}) for t in tasks if not t.closed]
    if not tasks and declaration.channel in KIND_OF_CHANNEL:
        holds.append(Hold("control.missing", "customs", {"channel": str(declaration.channel)}))
    holds += [Hold(f"control.{r.kind}" if r.kind == "detention" else "control.hold", "customs",
                   {"hold": str(r.id), "kind": r.kind}) for r in rows if r.source == "hold"]
    holds += [Hold("control.seizure", "customs", {"case": str(r.kind)}) for r in rows if r.source == "seizure"]
    return holds


def control_holds_at_lodging(declaration: Declaration, lodged: Lodged) -> list[Hold]:
    """`control_holds` for a declaration just lodged: a green or blue one has no control, hold or case yet."""
    if lodged.channel in KIND_OF_CHANNEL:  # lodging opened its control task (never asked: it is under control)
        return [Hold("control.open", "customs", {"task": "new", "kind": KIND_OF_CHANNEL[lodged.channel]})]
    return []


control_holds.at_lodging = control_holds_at_lodging  # type: ignore[attr-defined]


def adjustments_not_final(db: Session, declaration: Declaration) -> list[Hold]:
    """Clearance waits while an adjustment raised by a control is not final."""
    pending = db.scalar(select(Adjustment.id).where(Adjustment.declaration_id == declaration.id,
                                                    Adjustment.final.is_(False)).limit(1))
    return [Hold("control.adjustment_not_final", "customs", {"adjustment": str(pending)})] if pending else []
