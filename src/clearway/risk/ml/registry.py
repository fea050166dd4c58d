"""The model registry: registered → shadow (scored and stored, not used) → promoted (one at a time) → retired.

A model is a bundle directory written by `clearway risk train`, under the models directory.
Registering reads its card (version, validation metrics) and its features' importance; promoting
retires the previously promoted model and derives every office's score thresholds for the new one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.errors import Conflict, NotFound, Problem, ValidationFailed
from clearway.risk.engine.changes import change_record
from clearway.risk.ml.bundle import Bundle, BundleError
from clearway.risk.ml.scoring import bundle_load, bundle_path, models_root
from clearway.risk.ml.thresholds import thresholds_recompute_all
from clearway.risk.models import RiskModel

TOP_FEATURES = 10
NEXT = {"shadow": ("registered",), "promoted": ("shadow",), "retired": ("registered", "shadow", "promoted")}


def _metrics(card: dict[str, Any]) -> dict[str, Any]:
    """What the card says about the model's quality (time-ordered validation) and its data."""
    validation = card.get("validation") or {}
    return {"scheme": validation.get("scheme"), "rates": validation.get("metrics") or [],
            "average_precision": validation.get("average_precision"), "train_window": validation.get("train_window"),
            "valid_window": validation.get("valid_window"), "data_window": card.get("data_window")}


def _top_features(bundle: Bundle) -> list[dict[str, Any]]:
    """The features the model gains most from, with their share of the total gain."""
    gain = np.asarray(bundle.booster.feature_importance(importance_type="gain"), dtype=np.float64)
    names = bundle.booster.feature_name()
    total = float(gain.sum()) or 1.0
    order = np.argsort(-gain, kind="stable")[:TOP_FEATURES]
    return [{"feature": names[i], "share": round(float(gain[i]) / total, 4)} for i in order if gain[i] > 0]


def model_register(*, db: Session, actor: Principal, path: str, now: datetime) -> RiskModel:
    """Register a bundle directory (relative to the models directory) after loading it once."""
    if bundle_path(path) is None:
        raise ValidationFailed([Problem("risk.model_path_outside", "/path", {"root": str(models_root())})])
    try:
        bundle = bundle_load(path)
    except BundleError as exc:
        raise ValidationFailed([Problem("risk.model_unloadable", "/path", {"reason": str(exc)[:300]})]) from None
    if db.scalar(select(RiskModel.id).where(RiskModel.version == bundle.version)) is not None:
        raise Conflict([Problem("risk.model_exists", "/path", {"version": bundle.version})])
    card = {k: v for k, v in bundle.card.items() if k != "features"}
    model = RiskModel(version=bundle.version, path=path, status="registered", metrics=_metrics(bundle.card),
                      card=card, top_features=_top_features(bundle), registered_by=actor.username,
                      registered_at=now, changed_at=now)
    db.add(model)
    db.flush()
    change_record(db=db, actor=actor, kind="model.registered", target_type="risk_model", target_id=model.version,
                  detail={"path": path}, now=now)
    return model


def model_get(*, db: Session, model_id: int, for_update: bool = False) -> RiskModel:
    """A registered model by id, or NotFound."""
    query = select(RiskModel).where(RiskModel.id == model_id)
    model = db.scalar(query.with_for_update() if for_update else query)
    if model is None:
        raise NotFound([Problem("risk.model_not_found", "", {"id": model_id})])
    return model


def models_list(*, db: Session) -> list[RiskModel]:
    """Every registered model, newest first."""
    return list(db.scalars(select(RiskModel).order_by(RiskModel.id.desc())))


def _demote(db: Session, status: str, to: str, now: datetime) -> None:
    for other in db.scalars(select(RiskModel).where(RiskModel.status == status).with_for_update()):
        other.status, other.changed_at = to, now


def model_move(*, db: Session, actor: Principal, model: RiskModel, status: str, now: datetime) -> RiskModel:
    """Move a model along registered → shadow → promoted (or retire it); one shadow and one promoted at a time."""
    if model.status not in NEXT[status]:
        raise Conflict([Problem("risk.model_transition", "/status", {"from": model.status, "to": status})])
    if status in ("shadow", "promoted"):
        try:
            bundle_load(model.path)  # refuse to rely on a bundle that no longer loads
        except BundleError as exc:
            raise Conflict([Problem("risk.model_unloadable", "", {"reason": str(exc)[:300]})]) from None
        _demote(db, status, "registered" if status == "shadow" else "retired", now)
    model.status, model.changed_at = status, now
    db.flush()
    change_record(db=db, actor=actor, kind=f"model.{status}", target_type="risk_model", target_id=model.version,
                  detail={"path": model.path}, now=now)
    if status == "promoted":
        thresholds_recompute_all(db=db, actor=actor, now=now)
    return model
