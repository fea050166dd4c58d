"""Replay selection policies day by day over a past period, revealing outcomes only when selected.

Each day the day's capacity (`budget` × declarations, fractions carried to the next day) is
split into a uniform random sample (`random_rate`, drawn from all of the day's declarations, so
its hit rate estimates the true fraud rate without selection bias) and targeted picks, the
highest scores among the rest. Three policies run on the same days and the same random draws:
the model retrained every `retrain_every` days on history plus what it revealed, the same first
model never retrained, and random selection only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.data import LABELS
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.train import TrainConfig, train

POLICIES = ("retrained", "never retrained", "random only")


@dataclass(frozen=True)
class ReplayConfig:
    """Capacity, random share, retraining cadence (calendar days) and seed of a replay."""

    budget: float = 0.10
    random_rate: float = 0.01
    retrain_every: int = 7
    seed: int = 0
    train: TrainConfig = field(default_factory=lambda: TrainConfig(validate=False))


@dataclass(frozen=True)
class ReplayResult:
    """Every selection per policy, and one summary row per policy."""

    selections: dict[str, pd.DataFrame]
    summary: pd.DataFrame
    true_rate: float


def daily_quota(counts: np.ndarray, rate: float) -> np.ndarray:
    """Inspections per day at `rate`, carrying fractions so that small days still get their share."""
    cumulative = np.floor(np.cumsum(counts) * rate + 1e-9)
    return np.diff(np.concatenate([[0.0], cumulative])).astype(int)


def replay(history: pd.DataFrame, period: pd.DataFrame, *, config: ReplayConfig,
           tick: Callable[[str], None] | None = None) -> ReplayResult:
    """Walk `period` day by day under the three policies; `history` is fully labelled."""
    tick = tick or (lambda _: None)
    period = period.sort_values("lodged_at", kind="stable").reset_index(drop=True)
    day = period["lodged_at"].dt.floor("D")
    days = day.drop_duplicates().tolist()
    rows_of = [np.flatnonzero((day == d).to_numpy()) for d in days]
    counts = np.array([len(r) for r in rows_of])
    quota, randoms = daily_quota(counts, config.budget), daily_quota(counts, min(config.random_rate, config.budget))
    blind = period.drop(columns=[c for c in LABELS if c in period])
    first = train(history, config=config.train, seed=config.seed)
    frozen_scores = score_batch(blind, first)["score"].to_numpy()
    picked: dict[str, list[pd.DataFrame]] = {p: [] for p in POLICIES}
    bundle, trained_on = first, days[0]
    for i, (d, rows) in enumerate(zip(days, rows_of, strict=True)):
        if (d - trained_on).days >= config.retrain_every:
            bundle, trained_on = _retrain(history, period, picked[POLICIES[0]], day < d, config), d
        rng = np.random.default_rng([config.seed, i])
        sample = rng.choice(rows, size=min(randoms[i], len(rows)), replace=False)
        live = score_batch(blind.iloc[rows], bundle)["score"].to_numpy()
        picked[POLICIES[0]].append(_select(d, rows, live, sample, quota[i]))
        picked[POLICIES[1]].append(_select(d, rows, frozen_scores[rows], sample, quota[i]))
        only = np.random.default_rng([config.seed, i, 1]).choice(rows, size=min(quota[i], len(rows)), replace=False)
        picked[POLICIES[2]].append(_select(d, rows, np.zeros(len(rows)), only, len(only)))
        tick(d.date().isoformat())
    selections = {p: _with_outcomes(pd.concat(picked[p], ignore_index=True), period) for p in POLICIES}
    true_rate = float(period["fraud"].mean())
    summary = pd.DataFrame([_summarise(p, s, period) for p, s in selections.items()])
    return ReplayResult(selections=selections, summary=summary, true_rate=true_rate)


def _select(d: pd.Timestamp, rows: np.ndarray, score: np.ndarray, sample: np.ndarray, quota: int) -> pd.DataFrame:
    """One day's picks: the random sample, then the best-scored other rows up to the quota."""
    is_random = np.isin(rows, sample)
    order = np.argsort(-score, kind="stable")
    targeted = [rows[j] for j in order if not is_random[j]][: max(quota - len(sample), 0)]
    chosen = np.concatenate([sample, np.array(targeted, dtype=np.int64)]).astype(np.int64)
    by_row = dict(zip(rows.tolist(), score.tolist(), strict=True))
    return pd.DataFrame({"row": chosen, "day": d.date().isoformat(),
                         "reason": ["random"] * len(sample) + ["targeted"] * len(targeted),
                         "score": [by_row[r] for r in chosen.tolist()]})


def _retrain(history: pd.DataFrame, period: pd.DataFrame, picks: list[pd.DataFrame], before: pd.Series,
             config: ReplayConfig) -> Bundle:
    """Retrain on history plus the period so far, with outcomes only where the policy looked."""
    seen = period[before.to_numpy()].copy()
    revealed = np.zeros(len(period), dtype=bool)
    if picks:
        revealed[pd.concat(picks)["row"].to_numpy()] = True
    for col in (c for c in LABELS if c in seen):
        seen[col] = seen[col].where(revealed[before.to_numpy()])
    return train(pd.concat([history, seen], ignore_index=True), config=config.train, seed=config.seed)


def _with_outcomes(picks: pd.DataFrame, period: pd.DataFrame) -> pd.DataFrame:
    """Selections with ids and the outcome each control revealed."""
    rows = picks["row"].to_numpy()
    out = picks.drop(columns="row").assign(declaration_id=period["declaration_id"].to_numpy()[rows],
                                           item_no=period["item_no"].astype("Int64").to_numpy()[rows],
                                           fraud=period["fraud"].to_numpy()[rows])
    if "revenue_recovered" in period:
        out["revenue_recovered"] = period["revenue_recovered"].to_numpy()[rows]
    return out[["day", "declaration_id", "item_no", "reason", "score", "fraud",
                *(["revenue_recovered"] if "revenue_recovered" in out else [])]]


def _summarise(policy: str, picks: pd.DataFrame, period: pd.DataFrame) -> dict[str, object]:
    """Frauds caught, precision, revenue, and the random sample's fraud-rate estimate with a 95 % interval."""
    random = picks[picks["reason"] == "random"] if policy != POLICIES[2] else picks
    k, n = int(random["fraud"].sum()), len(random)
    low, high = _wilson(k, n)
    revenue = float(picks["revenue_recovered"].sum()) if "revenue_recovered" in picks else float("nan")
    total_revenue = float(period["revenue_recovered"].sum()) if "revenue_recovered" in period else float("nan")
    return {"policy": policy, "inspected": len(picks), "frauds_caught": int(picks["fraud"].sum()),
            "precision": float(picks["fraud"].mean()) if len(picks) else float("nan"),
            "recall": float(picks["fraud"].sum() / period["fraud"].sum()),
            "revenue_share": revenue / total_revenue if total_revenue else float("nan"),
            "random_n": n, "estimated_rate": k / n if n else float("nan"), "ci_low": low, "ci_high": high}


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (sensible even for small samples)."""
    if n == 0:
        return float("nan"), float("nan")
    p, denom = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / denom, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half
