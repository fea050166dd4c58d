"""Model thresholds per office and direction, from recent quantiles of the office's objective, within capacity.

For a setting, the promoted model scores the last `WINDOW_DAYS` of stored declarations of that
office and direction (batch scoring, the ML core's `score_batch`; a declaration's probabilities are
its highest item's, its expected revenue the sum over items) and ranks them by the setting's
objective (`objectives`: frauds, serious frauds, revenue or a weighted mix, whose scales are fitted
on this window and stored with the thresholds, so that decisions rank exactly as here). What is
left of the capacity after the random draw and after what rules, watchlists and the baseline
rules already selected in that window goes to the model:

    model red share = red capacity − random rate (if random picks go red) − share already sent red
    model share     = red + yellow capacity − random rate − share already sent yellow or red

and the thresholds are the objective's quantiles at 1 − those shares (AEO thresholds at 1 − share ×
aeo_factor). With no recent declarations, no threshold is set and the model only scores.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.risk.engine import stored
from clearway.risk.engine.changes import change_record
from clearway.risk.engine.selection import settings_list
from clearway.risk.ml.inputs import model_records, national_rate, valuations_stored
from clearway.risk.ml.mappings import CANONICAL_TEXT
from clearway.risk.ml.objectives import objective_of, per_declaration
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.scoring import ModelSlot, slot_load
from clearway.risk.models import RiskDecision, RiskModel, SelectionSetting

WINDOW_DAYS = 28
LIMIT = 20_000
_NUMBERS = ("value", "net_mass_kg", "duty_rate", "item_no")


def recent_scores(*, db: Session, slot: ModelSlot, office: str, direction: str, now: datetime) -> np.ndarray:
    """The model's score of each declaration of the window (its highest item's)."""
    return recent_assessments(db=db, slot=slot, office=office, direction=direction, now=now)["score"].to_numpy()


def recent_assessments(*, db: Session, slot: ModelSlot, office: str, direction: str,
                       now: datetime) -> pd.DataFrame:
    """Score, critical_score and expected revenue of each declaration of the window (`objectives.per_declaration`)."""
    records: list[dict[str, Any]] = []
    rows = list(stored.declarations_between(db=db, start=now - timedelta(days=WINDOW_DAYS), end=now, office=office,
                                            direction=direction, limit=LIMIT))
    valuations = valuations_stored(db=db, declaration_ids=[row.id for row in rows])
    for row in rows:
        valuation = valuations.get(row.id)
        rate = None if valuation else national_rate(db, row.document.get("currency"), row.lodged_at)
        records += model_records(row.document, reference=str(row.id), declarant=row.declarant,
                                 lodged_at=row.lodged_at, valuation=valuation, rate=rate)
    if not records:
        return pd.DataFrame({"score": [], "critical_score": [], "expected_revenue": []}, dtype="float64")
    frame = pd.DataFrame(records)
    for column in CANONICAL_TEXT:
        frame[column] = frame[column].fillna("").astype(str) if column in frame else ""
    for column in _NUMBERS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["lodged_at"] = pd.to_datetime(frame["lodged_at"], utc=True)
    return per_declaration(score_batch(frame, slot.bundle))


def taken_shares(*, db: Session, office: str, direction: str, now: datetime) -> tuple[float, float]:
    """Shares of recent decisions that rules, watchlists or the baseline sent red, and yellow or red."""
    query = select(RiskDecision.rule_hits, RiskDecision.watchlist_hits).where(
        RiskDecision.decided_at >= now - timedelta(days=WINDOW_DAYS), RiskDecision.direction == direction)
    if office != "*":
        query = query.where(RiskDecision.office == office)
    red = any_ = total = 0
    for rule_hits, watchlist_hits in db.execute(query.limit(LIMIT * 5)):
        channels = {h.get("channel") for h in [*rule_hits, *watchlist_hits]}
        total += 1
        red += "red" in channels
        any_ += bool(channels & {"red", "yellow"})
    return (red / total, any_ / total) if total else (0.0, 0.0)


def _quantile(scores: np.ndarray, share: float) -> float | None:
    """The lowest score among the top `share` of scores (None: select nothing)."""
    if share <= 0 or len(scores) == 0:
        return None
    return float(np.quantile(scores, max(0.0, 1.0 - share), method="higher"))


def thresholds_for(scores: np.ndarray, setting: SelectionSetting, taken_red: float, taken_any: float) -> dict[str, Any]:
    """Thresholds (and how they were derived) for one setting, given recent scores and capacity already used."""
    random_rate = float(setting.random_rate)
    red = max(0.0, float(setting.red_share) - (random_rate if setting.random_channel == "red" else 0.0) - taken_red)
    total = max(0.0, float(setting.red_share) + float(setting.yellow_share) - random_rate - taken_any)
    factor = float(setting.aeo_factor)
    return {"red": _quantile(scores, red), "yellow": _quantile(scores, total),
            "aeo_red": _quantile(scores, red * factor), "aeo_yellow": _quantile(scores, total * factor),
            "model_red_share": round(red, 5), "model_share": round(total, 5), "taken_red": round(taken_red, 5),
            "taken_any": round(taken_any, 5), "declarations": len(scores), "window_days": WINDOW_DAYS}


def promoted_slot(db: Session) -> ModelSlot | None:
    """The promoted model, loaded, or None."""
    row = db.execute(select(RiskModel.id, RiskModel.version, RiskModel.path)
                     .where(RiskModel.status == "promoted")).first()
    return slot_load(row.id, row.version, row.path) if row else None


def thresholds_recompute(*, db: Session, actor: Principal, setting: SelectionSetting, now: datetime,
                         slot: ModelSlot | None = None) -> SelectionSetting:
    """Derive a setting's thresholds for the promoted model from recent scores (cleared when there is none)."""
    slot = slot or promoted_slot(db)
    if slot is None:
        setting.thresholds = {}
    else:
        window = recent_assessments(db=db, slot=slot, office=setting.office, direction=setting.direction, now=now)
        weights = {"frauds": setting.weight_frauds, "serious": setting.weight_serious,
                   "revenue": setting.weight_revenue}
        objective = objective_of(setting.objective, weights, window)
        taken_red, taken_any = taken_shares(db=db, office=setting.office, direction=setting.direction, now=now)
        setting.thresholds = {**thresholds_for(objective.values(window), setting, taken_red, taken_any),
                              "model_version": slot.version, "objective": objective.to_json()}
        if setting.objective in ("serious", "mix") and slot.bundle.critical is None:
            setting.thresholds["fallback"] = "no serious-fraud model: the fraud probability stands in for it"
    setting.thresholds_at = now
    db.flush()
    change_record(db=db, actor=actor, kind="selection.thresholds", target_type="risk_selection",
                  target_id=f"{setting.office}/{setting.direction}", detail=setting.thresholds, now=now)
    return setting


def thresholds_recompute_all(*, db: Session, actor: Principal, now: datetime) -> int:
    """Recompute the thresholds of every setting for the promoted model; returns how many."""
    settings = settings_list(db=db)
    slot = promoted_slot(db)
    for setting in settings:
        thresholds_recompute(db=db, actor=actor, setting=setting, now=now, slot=slot)
    return len(settings)
