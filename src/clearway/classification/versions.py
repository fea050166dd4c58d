"""Retrain, promote and roll back classifier versions, each change with its audit record (caller's transaction)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.classification import registry
from clearway.classification.bundle import model_current, model_forget, reusable_models
from clearway.classification.learning import learned_pairs
from clearway.classification.train import model_train


def _audit(db: Session, actor: Principal | None, action: str, version: str, now: datetime,
           detail: dict[str, Any]) -> None:
    audit_append(db=db, actor=actor.username if actor else "system", actor_org=actor.organisation_code if actor
                 else "system", action=action, target_type="classification_model", target_id=version, detail=detail,
                 at=now)


def classification_retrain(*, db: Session, actor: Principal | None, now: datetime, codes: Sequence[str] | None = None,
                           progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Fit a new version from the nomenclature and what was learned (declarations after control, rulings),
    write its bundle under the models directory and register it, not in force."""
    model = model_train(learned=learned_pairs(db=db), codes=codes, progress=progress, reuse=reusable_models(),
                        version=now.strftime("clf-%Y%m%d-%H%M%S-%f"))
    directory = registry.models_root() / model.version
    model.save(directory)
    entry = registry.model_register(version=model.version, directory=directory, trained=model.trained,
                                    actor=actor.username if actor else "system", now=now)
    _audit(db, actor, "classification.model_registered", model.version, now, {"trained": model.trained})
    return entry


def classification_promote(*, db: Session, actor: Principal | None, version: str, now: datetime) -> dict[str, Any]:
    """Put a registered version in force for every process reading the same models directory."""
    before = model_current().version
    entry = registry.model_promote(version=version, actor=actor.username if actor else "system", now=now)
    model_forget()
    _audit(db, actor, "classification.model_promoted", version, now, {"before": before})
    return entry


def classification_rollback(*, db: Session, actor: Principal | None, now: datetime) -> str:
    """Take the version in force out and return to the one before it; returns the version now in force."""
    before = model_current().version
    now_in_force = registry.model_rollback(actor=actor.username if actor else "system", now=now)
    model_forget()
    _audit(db, actor, "classification.model_rolled_back", before, now, {"in_force": model_current().version})
    return model_current().version if now_in_force == registry.SHIPPED else now_in_force

