"""Declarations that stand for no goods: the training domain's projected test declarations.

A projected declaration is lodged by one organisation that is no real trader. The fact lives here, below the
training domain, so that risk (model labels) and performance (published figures) can leave exercises out
without reading the training domain, which sits above them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration

EXERCISE_DECLARANT = "KRTRAINING"  # the organisation projected training declarations are lodged by


def exercise_ids(db: Session, declaration_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of exercise (projected test) declarations, among those given or all."""
    query = select(Declaration.id).where(Declaration.declarant_id == EXERCISE_DECLARANT)
    if declaration_ids is not None:
        query = query.where(Declaration.id.in_(list(declaration_ids)))
    return set(db.scalars(query))
