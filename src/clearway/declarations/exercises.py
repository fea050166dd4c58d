"""Declarations that stand for no goods: the training domain's projected test declarations.

A projected declaration is lodged by an organisation that is no real trader. The fact lives here, below the
training domain, so that risk (model labels) and performance (published figures) can leave exercises out
without reading the training domain, which sits above them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration

EXERCISE_DECLARANT = "KRTRAINING"  # the training organisation (the training world's cases; earlier projections)
# A projection must read like any trader's declaration to the officer it tests: a code that says TRAINING would
# give it away. So projections are lodged under these codes, taken in turn; the registry keeps them for exercises
# (no real trader is ever given one), and everything that must leave exercises out reads this list.
PROJECTION_DECLARANTS = ("KR4182093375", "KR6035518204", "KR2290476611", "KR7719304528", "KR5508217743",
                         "KR3364902187", "KR8841150396", "KR2975063814")
EXERCISE_DECLARANTS = (EXERCISE_DECLARANT, *PROJECTION_DECLARANTS)


def exercise_ids(db: Session, declaration_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of exercise (projected test) declarations, among those given or all."""
    query = select(Declaration.id).where(Declaration.declarant_id.in_(EXERCISE_DECLARANTS))
    if declaration_ids is not None:
        query = query.where(Declaration.id.in_(list(declaration_ids)))
    return set(db.scalars(query))
