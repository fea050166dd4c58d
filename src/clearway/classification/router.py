"""Classification API: description -> ranked HS 2022 codes, and a warning when the declared code is far from it."""

from __future__ import annotations

from fastapi import APIRouter

from clearway.classification import service
from clearway.classification.schemas import SuggestRequest, SuggestResponse
from clearway.db import utcnow
from clearway.deps import CurrentUser, DbSession, Locale
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/classification", tags=["classification"])


@router.post("/suggest", operation_id="suggestClassification", responses=PROBLEMS)
def suggest(body: SuggestRequest, db: DbSession, actor: CurrentUser, locale: Locale) -> SuggestResponse:
    """Propose HS6 codes (and national lines) for a goods description, with similar rulings; nothing is stored."""
    with db.begin():
        return service.classification_suggest(db=db, actor=actor, description=body.description, limit=body.limit,
                                              hs_code=body.hs_code, on=utcnow().date(), locale=locale)
