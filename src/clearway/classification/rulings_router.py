"""Advance-ruling API: traders request classification rulings; analysts decide them from the workbench."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from clearway.auth.schemas import Principal
from clearway.classification import rulings
from clearway.classification.rulings_schemas import (
    RulingDecision,
    RulingItemRead,
    RulingPage,
    RulingRequestCreate,
    RulingWorkbenchRead,
)
from clearway.db import utcnow
from clearway.deps import CurrentTrader, DbSession, Locale, roles
from clearway.openapi_docs import PROBLEMS
from clearway.tariff.rulings import rulings_list

router = APIRouter(prefix="/classification/rulings", tags=["classification"])
Reader = Annotated[Principal, Depends(roles("analyst", "officer", "auditor"))]
Analyst = Annotated[Principal, Depends(roles("analyst"))]
Reference = Annotated[str, Path(max_length=32, pattern=r"^[A-Z0-9-]+$")]
Status = Literal["requested", "issued", "refused", "revoked"]


@router.post("", status_code=201, operation_id="requestClassificationRuling", responses=PROBLEMS)
def request_ruling(body: RulingRequestCreate, db: DbSession, actor: CurrentTrader) -> RulingItemRead:
    """Request a binding classification ruling for goods the trader describes."""
    with db.begin():
        return RulingItemRead.of(rulings.ruling_request_create(db=db, actor=actor, draft=body, now=utcnow()))


@router.get("", operation_id="listClassificationRulings", responses=PROBLEMS)
def list_rulings(db: DbSession, actor: Reader,
                 status: Annotated[Status | None, Query(description="Only rulings in this state")] = "requested",
                 ) -> RulingPage:
    """Classification rulings, the oldest request first (the analysts' queue by default)."""
    with db.begin():
        return RulingPage(items=[RulingItemRead.of(r) for r in rulings_list(db=db, status=status)])


@router.get("/{reference}", operation_id="getClassificationRulingWorkbench", responses=PROBLEMS)
def workbench(reference: Reference, db: DbSession, actor: Reader, locale: Locale) -> RulingWorkbenchRead:
    """A ruling with the assistant's suggestions for its goods and the nearest past rulings."""
    with db.begin():
        return rulings.ruling_workbench(db=db, actor=actor, reference=reference, on=utcnow().date(), locale=locale)


@router.post("/{reference}/decision", operation_id="decideClassificationRuling", responses=PROBLEMS)
def decide(reference: Reference, body: RulingDecision, db: DbSession, actor: Analyst) -> RulingItemRead:
    """Issue (with its code) or refuse (with a reason) a requested ruling."""
    with db.begin():
        return RulingItemRead.of(rulings.ruling_decide(db=db, actor=actor, reference=reference, decision=body,
                                                       now=utcnow()))
