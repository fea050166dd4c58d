"""The training domain's reason to hold goods: a projected (test) declaration is never released.

Registered with the one release decision in `clearway.assembly`. It holds a declaration lodged under an exercise
code even before its projection row exists (the lodging answer needs no query), and any declaration
with a projection row whoever lodged it: two independent marks, so losing one still holds the goods.

While one of the declaration's controls is open, that control's own hold keeps the goods, and it is all the
officer's pages list, as for any declaration under control: a second, unusual hold would tell the officer the
declaration is a test before the officer has decided. The moment no control is open (the officer has decided,
or the control was closed some other way), this hold stands in its place.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.controls.intake import KIND_OF_CHANNEL
from clearway.controls.models import ControlTask
from clearway.declarations.models import Declaration
from clearway.holds import Hold, Lodged
from clearway.training.models import Projection
from clearway.training.selectors import TRAINING_DECLARANTS


def _hold(declaration: Declaration) -> Hold:
    return Hold("training.projected", "customs", {"mrn": declaration.mrn})


def _control_open(db: Session, declaration: Declaration) -> bool:
    return db.scalar(select(ControlTask.id).where(ControlTask.declaration_id == declaration.id,
                                                  ControlTask.closed.is_(False)).limit(1)) is not None


def projection_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold a projected training declaration for ever: it stands for no real goods (silent while an open
    control of its own holds the goods)."""
    projected = declaration.declarant_id in TRAINING_DECLARANTS or db.scalar(
        select(Projection.id).where(Projection.declaration_id == declaration.id)) is not None
    return [_hold(declaration)] if projected and not _control_open(db, declaration) else []


def projection_holds_at_lodging(declaration: Declaration, lodged: Lodged) -> list[Hold]:
    """`projection_holds` for a declaration just lodged: no projection row can exist yet, the declarant tells; a
    yellow or red lodging has just opened its control."""
    exercise = declaration.declarant_id in TRAINING_DECLARANTS
    return [_hold(declaration)] if exercise and lodged.channel not in KIND_OF_CHANNEL else []


projection_holds.at_lodging = projection_holds_at_lodging  # type: ignore[attr-defined]
