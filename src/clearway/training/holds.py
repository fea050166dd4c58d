"""The training domain's reason to hold goods: a projected (test) declaration is never released.

Registered with the one release decision in `clearway.assembly`. It holds a declaration lodged under an exercise
code even before its projection row exists (the lodging answer needs no query), and any declaration
with a projection row whoever lodged it: two independent marks, so losing one still holds the goods.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration
from clearway.holds import Hold, Lodged
from clearway.training.models import Projection
from clearway.training.selectors import TRAINING_DECLARANTS


def _hold(declaration: Declaration) -> Hold:
    return Hold("training.projected", "customs", {"mrn": declaration.mrn})


def projection_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold a projected training declaration for ever: it stands for no real goods."""
    if declaration.declarant_id in TRAINING_DECLARANTS:
        return [_hold(declaration)]
    projected = db.scalar(select(Projection.id).where(Projection.declaration_id == declaration.id))
    return [_hold(declaration)] if projected is not None else []


def projection_holds_at_lodging(declaration: Declaration, lodged: Lodged) -> list[Hold]:
    """`projection_holds` for a declaration just lodged: no projection row can exist yet, the declarant tells."""
    return [_hold(declaration)] if declaration.declarant_id in TRAINING_DECLARANTS else []


projection_holds.at_lodging = projection_holds_at_lodging  # type: ignore[attr-defined]
