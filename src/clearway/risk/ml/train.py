"""Train a risk model: time-ordered validation inside the data for the card, then a refit on all of it."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from clearway.risk.ml.bundle import Bundle, model_version, schema_hash
from clearway.risk.ml.evaluate import auc, average_precision, ranking_metrics
from clearway.risk.ml.features import FEATURE_NAMES, FeatureState, build_features, fit_state

# Chosen by time-ordered validation inside KCS train.csv (Jan–Sep fit, Oct–Dec scored; run
# `benchmarks/kcs.py --tune`): best precision@10 %, then best average precision, among 7–63 leaves ×
# 100–400 rounds; deeper or longer models did not rank better, and small trees keep a TreeSHAP
# explanation near a millisecond. One thread: on a shared two-core host a second OpenMP thread
# saved ~20 % when idle but stalled training up to tenfold when the other core was busy.
PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "verbosity": -1, "num_threads": 1, "deterministic": True, "force_row_wise": True,
}
ROUNDS = 200
MIN_CRITICAL = 20  # fewer serious findings than this and no severity model is trained
MIN_AMOUNTS = 50  # fewer findings with a recovered amount than this and no amount model is trained

Step = Callable[[str], None]


@dataclass(frozen=True)
class TrainConfig:
    """Model hyperparameters and the share of the latest days held out for the card's metrics."""

    params: dict[str, Any] = field(default_factory=lambda: dict(PARAMS))
    rounds: int = ROUNDS
    validation_share: float = 0.25
    validate: bool = True


def fit_booster(frame: pd.DataFrame, state: FeatureState, *, config: TrainConfig, seed: int,
                target: str = "fraud") -> lgb.Booster:
    """Fit the booster on the rows of `frame` labelled for `target`, each featured as of its lodgement day."""
    labelled = frame[frame[target].notna()]
    x = build_features(labelled, state)
    data = lgb.Dataset(x, labelled[target].to_numpy(np.float64), feature_name=FEATURE_NAMES, free_raw_data=True)
    return lgb.train({**config.params, "seed": seed}, data, num_boost_round=config.rounds)


def fit_amount(frame: pd.DataFrame, state: FeatureState, *, config: TrainConfig, seed: int) -> lgb.Booster | None:
    """The revenue a finding recovers, learnt (log scale: amounts are skewed) among past frauds with an amount.

    Learning the amount itself ranked better in the synthetic world (54 % of the oracle's revenue at 5 %,
    one seed) than learning a multiple of the declared duty (36 %) or the overall ratio (44 %). None when
    fewer than `MIN_AMOUNTS` findings have an amount; scoring then falls back to the overall ratio.
    """
    if "revenue_recovered" not in frame:
        return None
    found = frame[(frame["fraud"] == 1) & (frame["revenue_recovered"] > 0)]
    if len(found) < MIN_AMOUNTS:
        return None
    x = build_features(found, state)
    y = np.log1p(found["revenue_recovered"].to_numpy(np.float64))
    data = lgb.Dataset(x, y, feature_name=FEATURE_NAMES, free_raw_data=True)
    params = {**config.params, "objective": "regression", "min_data_in_leaf": 10, "seed": seed}
    return lgb.train(params, data, num_boost_round=config.rounds)


def has_critical(frame: pd.DataFrame) -> bool:
    """Whether the data carries enough serious findings to learn the second, severity target from."""
    return "critical" in frame and frame["critical"].sum() >= MIN_CRITICAL


def platt(raw: np.ndarray, outcome: np.ndarray) -> tuple[float, float]:
    """Logistic recalibration (a, b) of probabilities on outcomes they did not see: p' = σ(a·logit p + b).

    Fitted by damped Newton steps on the log-loss; when the fit does not settle (too few or perfectly
    separated outcomes) the booster's own probabilities are kept: (1, 0).
    """
    z, y = _logit(raw), np.asarray(outcome, dtype=np.float64)
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * z + b, -30, 30)))
        w = np.maximum(p * (1 - p), 1e-9)
        g = np.array([np.sum((p - y) * z), np.sum(p - y)])
        h = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]]) + 1e-6 * np.eye(2)
        step = np.clip(np.linalg.solve(h, g), -1.0, 1.0)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            return (float(a), float(b)) if 0.05 <= a <= 20 and abs(b) <= 20 else (1.0, 0.0)
    return 1.0, 0.0


def calibrated(raw: np.ndarray, calibration: tuple[float, float] | list[float]) -> np.ndarray:
    """Apply a Platt calibration to raw booster probabilities."""
    a, b = calibration
    return 1.0 / (1.0 + np.exp(-np.clip(a * _logit(raw) + b, -30, 30)))


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    return np.log(q / (1 - q))


def validate(frame: pd.DataFrame, *, config: TrainConfig, seed: int) -> dict[str, Any]:
    """Train on the earlier days, score the latest `validation_share` of days as if deployed then."""
    day = frame["lodged_at"].dt.floor("D")
    first, last = day.min(), day.max()
    cut = first + (last - first) * (1 - config.validation_share)
    cut = cut.ceil("D")
    past, recent = frame[day < cut], frame[(day >= cut) & frame["fraud"].notna()]
    if past["fraud"].notna().sum() < 50 or len(recent) < 20:
        return {"scheme": "skipped: too little labelled data for a time-ordered split"}
    state = fit_state(past)
    booster = fit_booster(past, state, config=config, seed=seed)
    prob = np.asarray(booster.predict(build_features(recent, state)), dtype=np.float64)
    revenue = recent["revenue_recovered"].to_numpy() if "revenue_recovered" in recent else None
    out: dict[str, Any] = {
        "scheme": "time-ordered: fit on days before the cut, score the days after as unseen",
        "train_window": _window(past), "valid_window": _window(recent),
        "metrics": ranking_metrics(prob, recent["fraud"].to_numpy(), revenue),
        "average_precision": average_precision(prob, recent["fraud"].to_numpy()),
    }
    if has_critical(past) and recent["critical"].sum() > 0:
        critical = fit_booster(past, state, config=config, seed=seed, target="critical")
        raw = np.asarray(critical.predict(build_features(recent, state)), dtype=np.float64)
        serious = recent["critical"].to_numpy(np.float64)
        out["critical"] = {"metrics": ranking_metrics(raw, serious), "auc": auc(raw, serious),
                           "average_precision": average_precision(raw, serious),
                           "calibration": list(platt(raw, serious))}
    return out


def train(frame: pd.DataFrame, *, config: TrainConfig | None = None, seed: int = 0,
          provenance: dict[str, Any] | None = None, step: Step | None = None) -> Bundle:
    """Validate in time order (for the card), then fit state and booster on all of `frame`."""
    config = config or TrainConfig()
    step = step or (lambda _: None)
    if "fraud" not in frame or frame["fraud"].notna().sum() == 0:
        raise ValueError("training data has no labelled rows (fraud column)")
    step("time-ordered validation")
    validation: dict[str, Any] = (validate(frame, config=config, seed=seed) if config.validate
                                  else {"scheme": "skipped"})
    step("fitting feature state")
    state = fit_state(frame)
    step("fitting booster")
    booster = fit_booster(frame, state, config=config, seed=seed)
    critical = fit_booster(frame, state, config=config, seed=seed, target="critical") if has_critical(frame) else None
    amount = fit_amount(frame, state, config=config, seed=seed)
    # The calibration learnt out of time (validation) carries over to the refit: same recipe, more days.
    calibration = validation.get("critical", {}).get("calibration", [1.0, 0.0])
    trained_at = datetime.now(UTC).isoformat(timespec="seconds")
    card = {
        "model_version": model_version(booster, trained_at), "trained_at": trained_at,
        "schema_hash": schema_hash(), "data_window": _window(frame), "validation": validation,
        "params": {**config.params, "seed": seed}, "rounds": config.rounds, "features": FEATURE_NAMES,
        "revenue_ratio": state.revenue_ratio, "versions": _versions(), **(provenance or {}),
        "critical": None if critical is None else {"target": "serious fraud", "calibration": calibration},
        "amount": None if amount is None else {"target": "log1p(revenue_recovered) among frauds"},
    }
    return Bundle(booster=booster, state=state, card=card, critical=critical, amount=amount)


def _window(frame: pd.DataFrame) -> dict[str, Any]:
    """Dates, size and observed fraud rate of a slice of data."""
    fraud = frame["fraud"] if "fraud" in frame else pd.Series(dtype=float)
    return {"from": frame["lodged_at"].min().date().isoformat(), "to": frame["lodged_at"].max().date().isoformat(),
            "rows": len(frame), "labelled": int(fraud.notna().sum()),
            "fraud_rate": float(fraud.mean()) if fraud.notna().any() else None}


def _versions() -> dict[str, str]:
    """Library versions the model was trained with."""
    out = {"python": platform.python_version()}
    for lib in ("clearway", "lightgbm", "numpy", "pandas"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "unknown"
    return out
