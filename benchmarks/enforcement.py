"""Enforcement quality and speed on KCS (train.csv → valid.csv), next to baselines measured in the same run.

Quality: every ranking is fitted on train.csv (2020) and scores valid.csv (2021-01…03); the withheld
test months are never read. Reference prices and indicators read declared values only (no label);
the product risk model learns from train.csv's labels. Printed per ranking: precision and recall of
frauds at 1, 5 and 10 % review budgets, for
  baseline (a): the unit-value detector of `clearway.risk.rules.valuation` (one-sided, one MAD pass),
  baseline (b): the product risk model (`clearway.risk.ml.train`),
  ours: the two-sided trimmed reference-price deviation, the TBML indicator score, and the combined
  ranking (mean of the model's and the indicator score's rank percentiles).
Speed: reference prices over 1,000,000 lines (train.csv resampled), one declaration's indicators
(p50/p99 over 300 single-row calls), and the cycle pass over a 1,000,000-flow trade graph.
Usage: python benchmarks/enforcement.py [--data-dir ../shared/data/kcs] [--no-model] [--speed-only] [--flows N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clearway.enforcement import indicators, lodging, networks, prices
from clearway.risk.ml.data import load
from clearway.risk.ml.evaluate import RATES, top
from clearway.risk.ml.mappings import KCS
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.train import train
from clearway.risk.rules import valuation


def lines_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The enforcement frame of a canonical declaration frame."""
    return pd.DataFrame({
        "declaration_id": frame["declaration_id"].astype(str), "date": frame["lodged_at"],
        "hs6": frame["hs_code"].astype(str).str[:6], "origin": frame["origin_country"].astype(str),
        "departure": frame["departure_country"].astype(str), "importer": frame["importer_id"].astype(str),
        "seller": frame["seller_id"].astype(str), "declarant": frame["declarant_id"].astype(str),
        "value": frame["value"].astype(float), "mass_kg": frame["net_mass_kg"].astype(float),
        "tax_rate": frame["duty_rate"].astype(float), "payment_type": frame["payment_type"].astype(str),
        "period": frame["lodged_at"].dt.strftime("%Y-%m"),
    }).reset_index(drop=True)


def figures(score: np.ndarray, fraud: np.ndarray) -> dict[str, float]:
    """Precision and recall at each budget."""
    out = {}
    for rate in RATES:
        picked = top(score, rate)
        hit = fraud[picked]
        out[f"P@{rate:.0%}"] = float(hit.mean())
        out[f"R@{rate:.0%}"] = float(hit.sum() / max(fraud.sum(), 1))
    return out


def pct(score: np.ndarray) -> np.ndarray:
    """Rank percentile of each score (ties share a rank)."""
    return pd.Series(score).rank(pct=True).to_numpy()


def quality(data_dir: Path, with_model: bool, flows_n: int) -> None:
    """The KCS quality table."""
    train_frame = load([data_dir / "train.csv"], KCS, with_labels=True)
    valid = load([data_dir / "valid.csv"], KCS, with_labels=True)
    fraud = valid["fraud"].to_numpy() == 1
    history, new = lines_of(train_frame), lines_of(valid)
    state = indicators.fit(history)
    rankings: dict[str, np.ndarray] = {
        "baseline (a) unit-value detector": valuation.score(valid, valuation.fit(train_frame)),
    }
    if with_model:
        bundle = train(train_frame, seed=0)
        rankings["baseline (b) risk model"] = score_batch(
            valid.drop(columns=["fraud", "revenue_recovered"]), bundle)["score"].to_numpy()
    z = prices.deviations(new, state.refs, ["hs6", "origin"])
    rankings["ours: |price deviation| (trimmed, 2-sided)"] = np.abs(z)
    rankings["ours: price under-invoicing (trimmed)"] = -z
    ind = indicators.score(new, state)
    rankings["ours: TBML indicator score"] = ind
    if with_model:
        rankings["ours: combined (model + indicators)"] = (pct(rankings["baseline (b) risk model"]) + pct(ind)) / 2
    print(f"KCS valid.csv: {len(valid)} lines, fraud rate {fraud.mean():.3f}; fitted on train.csv ({len(train_frame)})")
    cols = [f"{k}@{r:.0%}" for r in RATES for k in ("P", "R")]
    print(f"{'ranking':<46}" + "".join(f"{c:>8}" for c in cols))
    for name, score in rankings.items():
        f = figures(np.asarray(score, dtype=np.float64), fraud)
        print(f"{name:<46}" + "".join(f"{f[c]:>8.3f}" for c in cols))
    hit = indicators.hits(new, state)
    print("\nindicator hits on valid.csv: share of lines hit, fraud rate among hits")
    for code in hit.columns:
        h = hit[code].to_numpy()
        print(f"  {code:<30} {h.mean():>7.3f} {fraud[h].mean() if h.any() else float('nan'):>7.3f}")
    speed(history, state, flows_n)


def speed(history: pd.DataFrame, state: indicators.IndicatorState, flows_n: int = 1_000_000) -> None:
    """The speed figures."""
    rng = np.random.default_rng(0)
    big = history.iloc[rng.integers(0, len(history), 1_000_000)].reset_index(drop=True)
    big["value"] = big["value"] * rng.lognormal(0, 0.2, len(big))
    start = time.perf_counter()
    refs = prices.reference_prices(big)
    print(f"\nreference prices, 1,000,000 lines: {time.perf_counter() - start:.1f} s ({len(refs)} keys); target < 30 s")
    picks = rng.integers(0, len(history), 300)
    for name, run in (("frame path, indicators.hits", _frame_calls(history, picks, state)),
                      ("lodging path, lodging.hits_one", _lodging_calls(history, picks, state))):
        times = []
        for call in run:
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        ms = np.array(times) * 1000
        print(f"one declaration's indicators ({name}): p50 {np.percentile(ms, 50):.3f} ms, "
              f"p99 {np.percentile(ms, 99):.3f} ms; target p99 < 2 ms")
    firms = [f"F{i}" for i in range(flows_n // 5)]
    a, b = rng.integers(0, len(firms), flows_n), rng.integers(0, len(firms), flows_n)
    flows = [(firms[x], firms[y], 1.0) for x, y in zip(a, b, strict=True) if x != y]
    start = time.perf_counter()
    leads = networks.circular_leads(flows, max_length=networks.MAX_CYCLE)
    print(f"network cycle pass, {flows_n:,} flows / {len(firms):,} firms: {time.perf_counter() - start:.1f} s "
          f"({len(leads)} cycles of ≤ {networks.MAX_CYCLE} firms); target < 120 s")


def _frame_calls(history: pd.DataFrame, picks: np.ndarray, state: indicators.IndicatorState) -> list[Any]:
    rows = [history.iloc[[i]] for i in picks]
    return [lambda row=row: indicators.hits(row, state) for row in rows]


def _lodging_calls(history: pd.DataFrame, picks: np.ndarray, state: indicators.IndicatorState) -> list[Any]:
    # the line arrives as the lodging path has it: a dict, with the trader's earlier lines of that day
    records = history.to_dict("records")
    day = history["date"].dt.floor("D")
    by_day: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    for record, d in zip(records, day, strict=True):
        by_day.setdefault((record["importer"], d), []).append(record)
    calls = []
    for i in picks:
        line = records[i]
        recent = [o for o in by_day[(line["importer"], day.iloc[i])] if o is not line]
        calls.append(lambda line=line, recent=recent: lodging.hits_one(line, state, recent))
    return calls


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/kcs")
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="skip the quality table (fit on train.csv only)")
    parser.add_argument("--flows", type=int, default=1_000_000, help="size of the random trade graph of the cycle pass")
    args = parser.parse_args()
    data_dir = args.data_dir if args.data_dir.exists() else Path("/work/shared/data/kcs")
    if args.speed_only:
        history = lines_of(load([data_dir / "train.csv"], KCS, with_labels=True))
        speed(history, indicators.fit(history), args.flows)
    else:
        quality(data_dir, not args.no_model, args.flows)


if __name__ == "__main__":
    main()
