"""Replay selection policies day by day over a past period, revealing outcomes only when selected.

Each day the day's capacity (`budget` × declarations, fractions carried to the next day) is
split into a uniform random sample (`random_rate`, drawn from all of the day's declarations, so
its hit rate estimates the true fraud rate without selection bias) and targeted picks, the
highest scores among the rest. Three policies run on the same days and the same random draws:
the model retrained every `retrain_every` days on history plus what it revealed, the same first
model never retrained, and random selection only.

`compare_objectives` asks another question on the same kind of days: with one model, what each
selection objective (frauds, serious frauds, revenue, a weighted mix: `objectives`) finds at the
same capacity, in frauds, serious frauds and revenue recovered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.data import LABELS, canonical
from clearway.risk.ml.mappings import NATIVE
from clearway.risk.ml.objectives import OBJECTIVES, objective_of, per_declaration
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.train import TrainConfig, train
from clearway.synthetic import generate_world

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


@dataclass(frozen=True)
class ObjectiveComparison:
    """One row per objective (and the random and oracle references), and what the period held."""

    summary: pd.DataFrame
    declarations: int
    days: int
    totals: dict[str, float]


def compare_objectives(history: pd.DataFrame, period: pd.DataFrame, *, budget: float, random_rate: float,
                       weights: Mapping[str, float], seed: int = 0, train_config: TrainConfig | None = None,
                       tick: Callable[[str], None] | None = None) -> ObjectiveComparison:
    """Each objective of `objectives` fills the same daily capacity on the same days, with the same random sample.

    One model is trained on `history` (its labels: what was controlled) and scores the period's
    declarations blind; the objective then ranks them (`objectives.Objective`, a mix scaled on the
    model's scores of the last 28 days of history, as the live thresholds are). A day's capacity is
    `budget` × its declarations (fractions carried), of which the `random_rate` share is a uniform
    random sample common to every objective. Every declaration of `period` must carry its outcome.
    Next to the objectives: random selection only, and an oracle that knows every amount (the most
    revenue any selection of that size could recover).
    """
    tick = tick or (lambda _: None)
    config = train_config or TrainConfig(validate=False)
    bundle = train(history, config=config, seed=seed)
    blind = period.drop(columns=[c for c in LABELS if c in period])
    scored = per_declaration(score_batch(blind, bundle))
    full = period.assign(critical=period.get("critical", np.nan),
                         revenue=period.get("revenue_recovered", np.nan))
    by = full.groupby("declaration_id", sort=False)
    truth = pd.DataFrame({"lodged_at": by["lodged_at"].min(), "fraud": by["fraud"].max(),
                          "critical": by["critical"].max(), "revenue": by["revenue"].sum(min_count=1)}
                         ).sort_values("lodged_at", kind="stable")
    scored = scored.loc[truth.index]
    recent = history[history["lodged_at"] >= history["lodged_at"].max() - pd.Timedelta(days=28)]
    window = per_declaration(score_batch(recent.drop(columns=[c for c in LABELS if c in recent]), bundle))
    rankings = {name: objective_of(name, weights, window).values(scored) for name in OBJECTIVES}
    rankings["oracle (true amounts)"] = truth["revenue"].fillna(0.0).to_numpy(np.float64)
    day = truth["lodged_at"].dt.floor("D").to_numpy()
    days = pd.unique(day)
    rows_of = [np.flatnonzero(day == d) for d in days]
    counts = np.array([len(r) for r in rows_of])
    quota, randoms = daily_quota(counts, budget), daily_quota(counts, min(random_rate, budget))
    picked: dict[str, list[np.ndarray]] = {name: [] for name in [*rankings, "random only"]}
    for i, (d, rows) in enumerate(zip(days, rows_of, strict=True)):
        rng = np.random.default_rng([seed, i])
        sample = rng.choice(rows, size=min(randoms[i], len(rows)), replace=False)
        for name, values in rankings.items():
            picked[name].append(_select(pd.Timestamp(d), rows, values[rows], sample, quota[i])["row"].to_numpy())
        only = np.random.default_rng([seed, i, 1]).choice(rows, size=min(quota[i], len(rows)), replace=False)
        picked["random only"].append(only)
        tick(pd.Timestamp(d).date().isoformat())
    fraud, critical = truth["fraud"].to_numpy(np.float64), truth["critical"].to_numpy(np.float64)
    revenue = truth["revenue"].to_numpy(np.float64)
    totals = {"frauds": float(np.nansum(fraud)), "serious": float(np.nansum(critical)),
              "revenue": float(np.nansum(revenue))}
    summary = []
    for name, parts in picked.items():
        rows = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        found = {"frauds": float(np.nansum(fraud[rows])), "serious": float(np.nansum(critical[rows])),
                 "revenue": float(np.nansum(revenue[rows]))}
        summary.append({"objective": name, "inspected": len(rows), "frauds_found": int(found["frauds"]),
                        "serious_found": int(found["serious"]) if totals["serious"] else None,
                        "revenue_recovered": found["revenue"],
                        **{f"{k}_share": found[k] / totals[k] if totals[k] else float("nan") for k in totals}})
    return ObjectiveComparison(summary=pd.DataFrame(summary), declarations=len(truth), days=len(days), totals=totals)


def synthetic_days(*, seed: int, days: int, per_day: int, end: date,
                   train_share: float = 0.75) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic world split in time: the history labelled only where the world's own inspections looked
    (a fraud they missed reads as clean), and the later days with the truth of every declaration."""
    world = generate_world(seed=seed, days=days, end=end, declarations_per_day=per_day)
    flat = world.to_flat_frame()
    items = [len(r.document["items"]) for r in world.declarations]
    found = np.repeat([r.found_fraud for r in world.declarations], items)
    inspected = flat["inspected"].to_numpy() == 1
    raw = flat.drop(columns=["fraud", "fraud_kind", "revenue_recovered", "inspected", "random_pick"]).astype(str)
    cut = pd.Timestamp(world.start + timedelta(days=round(days * train_share)), tz="UTC")
    later = (pd.to_datetime(flat["lodged_at"], utc=True) >= cut).to_numpy()
    truth_fraud, truth_revenue = flat["fraud"].astype(int).to_numpy(), flat["revenue_recovered"].to_numpy()
    raw["fraud"] = np.where(later, truth_fraud.astype(str), np.where(inspected, found.astype(int).astype(str), ""))
    raw["revenue_recovered"] = np.where(later, truth_revenue.astype(str),
                                        np.where(inspected, np.where(found, truth_revenue, 0).astype(str), ""))
    frame = canonical(raw, NATIVE, with_labels=True, source=f"synthetic world {seed}")
    return frame[~later].reset_index(drop=True), frame[later].reset_index(drop=True)
