"""Risk JSON API under /api/v1/risk: model registry, selection settings, reference values, drift, decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.declarations import selectors as declarations
from clearway.deps import DbSession, roles
from clearway.errors import NotFound, Problem
from clearway.openapi_docs import PROBLEMS
from clearway.risk import selectors, service
from clearway.risk.api.router import Analyst, ListReader, RuleReader
from clearway.risk.api.schemas_models import (
    DecisionRead,
    DriftRead,
    ModelPage,
    ModelRead,
    ModelRegister,
    SelectionDraft,
    SelectionPage,
    SelectionRead,
)
from clearway.risk.engine import selection
from clearway.risk.ml import drift, registry, thresholds
from clearway.risk.rules import reference

router = APIRouter(prefix="/risk", tags=["risk"])
CustomsReader = Annotated[Principal, Depends(roles("officer", "analyst", "auditor", "admin"))]
ModelId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Office = Annotated[str, Path(pattern=r"^(\*|[A-Z0-9]{2,8})$", description="Office code, or * for any office")]
Direction = Annotated[Literal["IM", "EX", "TR"], Path()]


class ReferenceRefreshed(BaseModel):
    """How many reference unit values the refresh stored."""

    values: int


@router.get("/models", operation_id="listRiskModels", responses=PROBLEMS)
def models_index(db: DbSession, actor: ListReader) -> ModelPage:
    """Every registered model, newest first."""
    with db.begin():
        return ModelPage(items=[selectors.model_read(m) for m in registry.models_list(db=db)])


@router.post("/models", status_code=201, operation_id="registerRiskModel", responses=PROBLEMS)
def model_register(body: ModelRegister, db: DbSession, actor: Analyst) -> ModelRead:
    """Register a model bundle directory (relative to the models directory)."""
    with db.begin():
        return selectors.model_read(registry.model_register(db=db, actor=actor, path=body.path, now=utcnow()))


@router.get("/models/{model_id}", operation_id="readRiskModel", responses=PROBLEMS)
def model_read(model_id: ModelId, db: DbSession, actor: ListReader) -> ModelRead:
    """One registered model: status, validation metrics, top features and card."""
    with db.begin():
        return selectors.model_read(registry.model_get(db=db, model_id=model_id))


def _move(db: DbSession, actor: Principal, model_id: int, status: str) -> ModelRead:
    with db.begin():
        model = registry.model_get(db=db, model_id=model_id, for_update=True)
        return selectors.model_read(registry.model_move(db=db, actor=actor, model=model, status=status, now=utcnow()))


@router.post("/models/{model_id}/shadow", operation_id="shadowRiskModel", responses=PROBLEMS)
def model_shadow(model_id: ModelId, db: DbSession, actor: Analyst) -> ModelRead:
    """Score every new declaration with this model too, without using it (the previous shadow stops)."""
    return _move(db, actor, model_id, "shadow")


@router.post("/models/{model_id}/promote", operation_id="promoteRiskModel", responses=PROBLEMS)
def model_promote(model_id: ModelId, db: DbSession, actor: Analyst) -> ModelRead:
    """Use this shadow model for selection; the promoted one retires and every threshold is derived anew."""
    return _move(db, actor, model_id, "promoted")


@router.post("/models/{model_id}/retire", operation_id="retireRiskModel", responses=PROBLEMS)
def model_retire(model_id: ModelId, db: DbSession, actor: Analyst) -> ModelRead:
    """Stop using a model."""
    return _move(db, actor, model_id, "retired")


@router.get("/selection", operation_id="listSelectionSettings", responses=PROBLEMS)
def selection_index(db: DbSession, actor: RuleReader) -> SelectionPage:
    """Capacity, random rates and model thresholds of every office and direction."""
    with db.begin():
        return SelectionPage(items=[selectors.setting_read(s) for s in selection.settings_list(db=db)])


@router.put("/selection/{office}/{direction}", operation_id="saveSelectionSetting", responses=PROBLEMS)
def selection_save(office: Office, direction: Direction, draft: SelectionDraft, db: DbSession,
                   actor: Analyst) -> SelectionRead:
    """Set an office's capacity and random rates; its model thresholds are derived again."""
    with db.begin():
        now = utcnow()
        row = selection.setting_save(db=db, actor=actor, office=office, direction=direction, draft=draft, now=now)
        return selectors.setting_read(thresholds.thresholds_recompute(db=db, actor=actor, setting=row, now=now))


@router.post("/selection/{office}/{direction}/thresholds", operation_id="recomputeThresholds", responses=PROBLEMS)
def selection_thresholds(office: Office, direction: Direction, db: DbSession, actor: Analyst) -> SelectionRead:
    """Derive the model thresholds again from recent scores."""
    with db.begin():
        row = selection.setting_get(db=db, office=office, direction=direction)
        if row is None:
            raise NotFound([Problem("risk.selection_not_found", "", {"office": office, "direction": direction})])
        return selectors.setting_read(thresholds.thresholds_recompute(db=db, actor=actor, setting=row, now=utcnow()))


@router.post("/reference-values/refresh", operation_id="refreshReferenceValues", responses=PROBLEMS)
def reference_refresh(db: DbSession, actor: Analyst) -> ReferenceRefreshed:
    """Recompute the reference unit values (per HS6 and origin) from the last year of declarations."""
    with db.begin():
        return ReferenceRefreshed(values=reference.reference_refresh(db=db, actor=actor, now=utcnow()))


@router.get("/drift", operation_id="readRiskDrift", responses=PROBLEMS)
def drift_read(db: DbSession, actor: ListReader,
               office: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{2,8}$")] = None,
               days: Annotated[int, Query(ge=7, le=91)] = 28) -> DriftRead:
    """Score distribution shift (PSI) of the promoted model and weekly control hit rates."""
    with db.begin():
        report = drift.drift_report(db=db, office=office, days=days, now=utcnow())
    return DriftRead.model_validate(report, from_attributes=True)


@router.get("/decisions/{mrn}", operation_id="readRiskDecision", responses=PROBLEMS)
def decision_read(mrn: str, db: DbSession, actor: CustomsReader) -> DecisionRead:
    """How a declaration's channel was chosen: rule and watchlist hits, model score and reasons, random flag."""
    with db.begin():
        declaration = declarations.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        view = service.decision_view(db=db, declaration_id=declaration.id, channel=declaration.channel,
                                     channel_reasons=declaration.channel_reasons)
    return DecisionRead(mrn=declaration.mrn, **view.__dict__)
