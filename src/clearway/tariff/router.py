"""Tariff API: duty calculation for a draft declaration and tariff line search; with `router_finance`, a
declaration's duties, payments, deferment accounts and guarantees."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from clearway.db import utcnow
from clearway.declarations.schemas import DeclarationCreate
from clearway.deps import CurrentUser, DbSession, Locale
from clearway.openapi_docs import PROBLEMS
from clearway.tariff import service
from clearway.tariff.router_finance import router as finance_router
from clearway.tariff.schemas import AssessmentRead, LineRead, assessment_read, line_read

router = APIRouter(prefix="/tariff", tags=["tariff"])


@router.post("/calculate", operation_id="calculateDuties", responses=PROBLEMS)
def calculate(
    draft: DeclarationCreate,
    db: DbSession,
    _: CurrentUser,
    locale: Locale,
    on: Annotated[date | None, Query(description="Acceptance date (default today, UTC)")] = None,
) -> AssessmentRead:
    """Compute the duties and taxes of a draft declaration; nothing is stored."""
    result = service.duties_calculate(db=db, document=draft, on=on or utcnow().date())
    return assessment_read(result, locale)


@router.get("/lines", operation_id="searchTariffLines", responses=PROBLEMS)
def lines(
    db: DbSession,
    _: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Code prefix, or words of the description")],
    on: Annotated[date | None, Query(description="Date of the rates shown (default today, UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[LineRead]:
    """National tariff lines by code prefix or description words, with the rates in force."""
    day = on or utcnow().date()
    return [line_read(line, day) for line in service.lines_search(db=db, q=q, limit=limit)]


router.include_router(finance_router)  # under this router's /tariff prefix
