"""Score declarations with a bundle: a batch frame or one record, through the same steps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.features import build_features, build_row
from clearway.risk.ml.train import calibrated


@dataclass(frozen=True)
class Score:
    """One item's risk: fraud probability and the revenue a control is expected to recover."""

    score: float
    expected_revenue: float
    model_version: str
    critical_score: float = float("nan")  # calibrated probability of serious fraud; NaN without a severity model


def score_batch(frame: pd.DataFrame, bundle: Bundle) -> pd.DataFrame:
    """Scores of every row of a canonical frame: id, item, probability, expected revenue."""
    x = build_features(frame, bundle.state)
    prob = _probability(bundle, x, threads=0)
    revenue = _expected_revenue(bundle, x, prob, frame["value"].to_numpy(np.float64),
                                frame["duty_rate"].to_numpy(np.float64), threads=0)
    return pd.DataFrame({"declaration_id": frame["declaration_id"].to_numpy(),
                         "item_no": frame["item_no"].astype("Int64").to_numpy(),
                         "score": prob, "critical_score": critical_probability(bundle, x, threads=0),
                         "expected_revenue": revenue})


def score_one(record: Mapping[str, Any], bundle: Bundle) -> Score:
    """Score one declaration item given with canonical field names (see `mappings`)."""
    row = build_row(record, bundle.state)
    prob = _probability(bundle, row.x, threads=1)
    revenue = _expected_revenue(bundle, row.x, prob, np.array([row.atoms.numbers["value"]]),
                                np.array([row.atoms.numbers["duty_rate"]]), threads=1)
    return Score(score=float(prob[0]), expected_revenue=float(revenue[0]), model_version=bundle.version,
                 critical_score=float(critical_probability(bundle, row.x, threads=1)[0]))


def score_rows(bundle: Bundle, x: np.ndarray, value: np.ndarray, duty_rate: np.ndarray,
               *, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fraud probability, serious-fraud probability and expected revenue of featured rows."""
    prob = _probability(bundle, x, threads=threads)
    return (prob, critical_probability(bundle, x, threads=threads),
            _expected_revenue(bundle, x, prob, value, duty_rate, threads=threads))


def critical_probability(bundle: Bundle, x: np.ndarray, *, threads: int) -> np.ndarray:
    """Calibrated probability of serious fraud of featured rows (NaN when the bundle has no severity model)."""
    if bundle.critical is None:
        return np.full(len(x), np.nan)
    raw = np.asarray(bundle.critical.predict(x, num_threads=threads), dtype=np.float64)
    return calibrated(raw, bundle.card["critical"]["calibration"])


def _probability(bundle: Bundle, x: np.ndarray, *, threads: int) -> np.ndarray:
    """Booster output; one thread for a single row, where starting a pool costs more than it saves."""
    return np.asarray(bundle.booster.predict(x, num_threads=threads), dtype=np.float64)


def _expected_revenue(bundle: Bundle, x: np.ndarray, prob: np.ndarray, value: np.ndarray, duty_rate: np.ndarray,
                      *, threads: int) -> np.ndarray:
    """Probability × the amount a finding would recover: learnt from past findings when the bundle has an
    amount model, else the duty at stake on the declared value × what past hits recovered per unit of it."""
    if bundle.amount is not None:
        amount = np.expm1(np.asarray(bundle.amount.predict(x, num_threads=threads), dtype=np.float64))
        return prob * np.maximum(amount, 0.0)
    at_stake = np.nan_to_num(value * duty_rate / 100.0, nan=0.0)
    return prob * np.maximum(at_stake, 0.0) * bundle.state.revenue_ratio
