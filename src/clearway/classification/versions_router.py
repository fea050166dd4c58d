"""Classifier versions API: list, promote, roll back (analysts and admins). Retraining is a command:
`clearway classification retrain`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from clearway.auth.schemas import Principal
from clearway.classification import selectors, versions
from clearway.classification.schemas import ModelVersionPage
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/classification/models", tags=["classification"])
Manager = Annotated[Principal, Depends(roles("analyst", "admin"))]
Version = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


def _page() -> ModelVersionPage:
    return selectors.versions_page()


@router.get("", operation_id="listClassificationModels", responses=PROBLEMS)
def models_index(actor: Manager) -> ModelVersionPage:
    """The version in force and every registered version, newest first."""
    return _page()


@router.post("/{version}/promote", operation_id="promoteClassificationModel", responses=PROBLEMS)
def model_promote(version: Version, db: DbSession, actor: Manager) -> ModelVersionPage:
    """Put a registered version in force (the one before is remembered for a rollback)."""
    with db.begin():
        versions.classification_promote(db=db, actor=actor, version=version, now=utcnow())
    return _page()


@router.post("/rollback", operation_id="rollBackClassificationModel", responses=PROBLEMS)
def model_rollback(db: DbSession, actor: Manager) -> ModelVersionPage:
    """Return to the version in force before the current one (the shipped bundle after the first)."""
    with db.begin():
        versions.classification_rollback(db=db, actor=actor, now=utcnow())
    return _page()
