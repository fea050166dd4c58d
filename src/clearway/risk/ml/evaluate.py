"""Measure a ranking the way an inspection capacity uses it: precision, recall, revenue at n %."""

from __future__ import annotations

import numpy as np
import pandas as pd

RATES = (0.01, 0.05, 0.10)


def top(score: np.ndarray, rate: float) -> np.ndarray:
    """Positions of the `rate` share of rows with the highest scores (ties keep input order)."""
    n = max(1, round(rate * len(score)))
    return np.argsort(-np.asarray(score, dtype=np.float64), kind="stable")[:n]


def ranking_metrics(score: np.ndarray, fraud: np.ndarray, revenue: np.ndarray | None = None,
                    rates: tuple[float, ...] = RATES) -> list[dict[str, float]]:
    """Precision, recall and revenue caught when inspecting the top share of rows, per rate."""
    fraud = np.asarray(fraud, dtype=np.float64)
    revenue = np.zeros(len(fraud)) if revenue is None else np.nan_to_num(np.asarray(revenue, dtype=np.float64))
    total_hits, total_revenue = fraud.sum(), revenue.sum()
    rows = []
    for rate in rates:
        picked = top(score, rate)
        hits = fraud[picked].sum()
        rows.append({
            "rate": rate, "inspected": len(picked), "precision": float(hits / len(picked)),
            "recall": float(hits / total_hits) if total_hits else float("nan"),
            "revenue": float(revenue[picked].sum()),
            "revenue_share": float(revenue[picked].sum() / total_revenue) if total_revenue else float("nan"),
        })
    return rows


def average_precision(score: np.ndarray, fraud: np.ndarray) -> float:
    """Mean precision at the rank of each fraud: the whole ranking in one number (1.0 = perfect)."""
    y = np.asarray(fraud, dtype=np.float64)[np.argsort(-np.asarray(score, dtype=np.float64), kind="stable")]
    if y.sum() == 0:
        return float("nan")
    return float((np.cumsum(y) / np.arange(1, len(y) + 1))[y == 1].mean())


def auc(score: np.ndarray, outcome: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative (ties count half)."""
    y = np.asarray(outcome, dtype=np.float64)
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(score, dtype=np.float64)).rank(method="average").to_numpy()
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def evaluate_scores(scores: pd.DataFrame, truth: pd.DataFrame, rates: tuple[float, ...] = RATES) -> pd.DataFrame:
    """Metrics of both rankings (fraud probability, expected revenue) on rows with known outcomes."""
    known = truth["fraud"].notna().to_numpy()
    revenue = truth["revenue_recovered"].to_numpy() if "revenue_recovered" in truth else None
    out = []
    for ranking, column in (("probability", "score"), ("expected revenue", "expected_revenue")):
        rows = ranking_metrics(scores[column].to_numpy()[known], truth["fraud"].to_numpy()[known],
                               None if revenue is None else revenue[known], rates)
        out += [{"ranking": ranking, **row} for row in rows]
    return pd.DataFrame(out)
