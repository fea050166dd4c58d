"""What selection ranks declarations by: frauds found, serious frauds found, revenue recovered, or a mix.

A declaration's three components come from the promoted bundle: `score` (fraud probability, its
riskiest item's), `critical_score` (calibrated probability of serious fraud, its riskiest item's)
and `expected_revenue` (probability × learnt amount, summed over its items: a control checks every
item). The objective "frauds" ranks by score, "serious" by critical_score, "revenue" by expected
revenue; "mix" by Σ weight × component / scale, each scale being the component's mean over the
window the thresholds were derived from, so that a probability and an amount of money weigh what
the analyst asked whatever their units. A bundle without a severity model has no critical_score:
"serious" then ranks by score, and the thresholds say so (`fallback`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

OBJECTIVES = ("frauds", "serious", "revenue", "mix")
COMPONENTS = {"frauds": "score", "serious": "critical_score", "revenue": "expected_revenue"}


@dataclass(frozen=True)
class Assessment:
    """One declaration as the model sees it: the three components and the item that scored highest."""

    score: float
    critical_score: float
    expected_revenue: float
    at: int = 0


@dataclass(frozen=True)
class Objective:
    """A ranking objective, its mix weights and the scales the weights apply to."""

    name: str = "frauds"
    weights: Mapping[str, float] = field(default_factory=dict)
    scales: Mapping[str, float] = field(default_factory=dict)

    def value(self, a: Assessment) -> float:
        """The number selection compares with the office's thresholds."""
        critical = a.score if math.isnan(a.critical_score) else a.critical_score
        parts = {"frauds": a.score, "serious": critical, "revenue": a.expected_revenue}
        if self.name != "mix":
            return float(parts[self.name])
        return float(sum(w * parts[k] / (self.scales.get(k) or 1.0) for k, w in self.weights.items() if w))

    def values(self, frame: pd.DataFrame) -> np.ndarray:
        """`value` of every row of a per-declaration frame (columns score, critical_score, expected_revenue)."""
        score = frame["score"].to_numpy(np.float64)
        critical = frame["critical_score"].to_numpy(np.float64)
        parts = {"frauds": score, "serious": np.where(np.isnan(critical), score, critical),
                 "revenue": frame["expected_revenue"].to_numpy(np.float64)}
        if self.name != "mix":
            return parts[self.name]
        total = np.zeros(len(frame))
        for k, w in self.weights.items():
            if w:
                total += w * parts[k] / (self.scales.get(k) or 1.0)
        return total

    def to_json(self) -> dict[str, Any]:
        """The objective as stored with the thresholds derived for it."""
        return {"name": self.name, "weights": dict(self.weights), "scales": dict(self.scales)}

    @classmethod
    def from_json(cls, spec: Any) -> Objective:
        """The objective thresholds were derived for (fraud probability for thresholds older than objectives)."""
        if not isinstance(spec, Mapping) or spec.get("name") not in OBJECTIVES:
            return cls()
        return cls(str(spec["name"]), {k: float(v) for k, v in (spec.get("weights") or {}).items()},
                   {k: float(v) for k, v in (spec.get("scales") or {}).items()})


def objective_of(name: str, weights: Mapping[str, Any], frame: pd.DataFrame | None = None) -> Objective:
    """The objective a setting asks for, its mix scaled on `frame` (the window's declarations) when given."""
    if name != "mix":
        return Objective(name)
    scales: dict[str, float] = {}
    if frame is not None and len(frame):
        for key, column in COMPONENTS.items():
            values = frame[column].to_numpy(np.float64)
            if np.isnan(values).all():  # no severity model: the score stands in for it, scaled as such
                values = frame["score"].to_numpy(np.float64)
            mean = float(np.nanmean(values))
            scales[key] = mean if mean > 0 else 1.0
    return Objective(name, {k: float(weights.get(k) or 0) for k in COMPONENTS}, scales)


def per_declaration(scored: pd.DataFrame) -> pd.DataFrame:
    """Item scores (`predict.score_batch`) to one row per declaration: riskiest item's probabilities,
    summed expected revenue."""
    return scored.groupby("declaration_id", sort=False).agg(
        score=("score", "max"), critical_score=("critical_score", "max"),
        expected_revenue=("expected_revenue", "sum"))
