"""KCS quality: train on train.csv, evaluate on valid.csv over several seeds, next to baselines.

Prints mean ± standard deviation (and min–max) over seeds of precision and recall at 1, 5 and
10 % inspection rates (precision@n % = share of frauds among the top n % of rows by score), the
revenue share caught when ranking by expected revenue, and the training time, next to
  (a) a bare LightGBM on the raw, label-encoded columns (what the published baselines do),
      trained and evaluated in the same run on the same split, and
  (b) the published baselines, measured on the withheld test months (Jeong et al. 2022).
`--tune` prints the hyperparameter grid on a time-ordered split inside train.csv only (Jan–Sep
fit, Oct–Dec scored): how the defaults in clearway.risk.train were chosen; valid.csv plays no
part in it.
Usage: python benchmarks/kcs.py [--seeds 5] [--data-dir ../shared/data/kcs] [--tune]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from clearway.risk.data import load
from clearway.risk.evaluate import average_precision, evaluate_scores, ranking_metrics
from clearway.risk.features import build_features, fit_state
from clearway.risk.mappings import KCS
from clearway.risk.predict import score_batch
from clearway.risk.train import PARAMS, ROUNDS, TrainConfig, fit_booster, train

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "kcs"
PUBLISHED = {"LightGBM": (0.762, 0.641), "XGBoost": (0.675, 0.579), "CatBoost": (0.621, 0.520),
             "Random forest": (0.364, 0.339), "Logistic regression": (0.258, 0.248)}
RAW_CODES = ("office", "procedure", "import_type", "import_use", "payment_type", "transport_mode", "declarant_id",
             "importer_id", "seller_id", "hs_code", "departure_country", "origin_country", "duty_type",
             "origin_indicator")


def ours(train_frame: pd.DataFrame, valid: pd.DataFrame, seed: int) -> dict[str, float]:
    """Train the product model (with its in-data validation, as the CLI does) and score valid.csv."""
    start = time.perf_counter()
    bundle = train(train_frame, seed=seed)
    seconds = time.perf_counter() - start
    table = evaluate_scores(score_batch(valid.drop(columns=["fraud", "revenue_recovered"]), bundle), valid)
    out = {"train_s": seconds}
    for r in table.to_dict("records"):
        key = "p" if r["ranking"] == "probability" else "rev"
        out[f"{key}_precision@{r['rate']:.0%}"] = r["precision"]
        out[f"{key}_recall@{r['rate']:.0%}"] = r["recall"]
        out[f"{key}_revenue@{r['rate']:.0%}"] = r["revenue_share"]
    return out


def raw_baseline(train_frame: pd.DataFrame, valid: pd.DataFrame, seed: int) -> dict[str, float]:
    """Bare LightGBM on label-encoded raw columns, default parameters: the published recipe."""
    both = pd.concat([train_frame, valid], ignore_index=True)
    cols = {c: pd.factorize(both[c])[0] for c in RAW_CODES}
    x = np.column_stack([*cols.values(), both[["net_mass_kg", "value", "duty_rate"]].to_numpy()])
    n = len(train_frame)
    booster = lgb.train({"objective": "binary", "verbosity": -1, "seed": seed, "num_threads": 2},
                        lgb.Dataset(x[:n], train_frame["fraud"].to_numpy()), num_boost_round=100)
    rows = ranking_metrics(np.asarray(booster.predict(x[n:])), valid["fraud"].to_numpy())
    return {f"p_{m}@{r['rate']:.0%}": r[m] for r in rows for m in ("precision", "recall")}


def report(runs: list[dict[str, float]], title: str) -> None:
    """Mean ± standard deviation and range of each figure over the runs."""
    frame = pd.DataFrame(runs)
    print(f"\n{title} ({len(runs)} seeds)")
    for col in frame.columns:
        v = frame[col]
        print(f"  {col:<22} {v.mean():.4f} ± {v.std(ddof=0):.4f}   [{v.min():.4f} – {v.max():.4f}]")


def tune(train_frame: pd.DataFrame) -> None:
    """Grid on Jan–Sep -> Oct–Dec inside train.csv, with the cost of one TreeSHAP explanation."""
    day = train_frame["lodged_at"]
    past, recent = train_frame[day < "2020-10-01"], train_frame[day >= "2020-10-01"]
    state = fit_state(past)
    x_recent, y_recent = build_features(recent, state), recent["fraud"].to_numpy()
    print("\ninner split: fit Jan–Sep 2020, score Oct–Dec 2020 (train.csv only)")
    print(f"  {'leaves':>6} {'rounds':>6} {'p@1%':>7} {'p@5%':>7} {'p@10%':>7} {'AP':>7} {'shap p99 ms':>11}")
    for leaves in (7, 15, 31, 63):
        for rounds in (100, 200, 400):
            params = {**PARAMS, "num_leaves": leaves}
            booster = fit_booster(past, state, config=TrainConfig(params=params, rounds=rounds), seed=0)
            score = np.asarray(booster.predict(x_recent))
            p = [r["precision"] for r in ranking_metrics(score, y_recent)]
            times = []
            for i in range(200):
                t = time.perf_counter()
                booster.predict(x_recent[i : i + 1], pred_contrib=True, num_threads=1)
                times.append(time.perf_counter() - t)
            print(f"  {leaves:>6} {rounds:>6} {p[0]:7.4f} {p[1]:7.4f} {p[2]:7.4f} "
                  f"{average_precision(score, y_recent):7.4f} {np.percentile(times, 99) * 1e3:11.2f}")


def main() -> None:
    """Run the seeds (or the grid) and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--tune", action="store_true")
    args = parser.parse_args()
    train_frame = load([args.data_dir / "train.csv"], KCS, with_labels=True)
    if args.tune:
        tune(train_frame)
        return
    valid = load([args.data_dir / "valid.csv"], KCS, with_labels=True)
    print(f"KCS: train {len(train_frame)} rows (2020), valid {len(valid)} rows (2021-01…03); "
          f"model: {PARAMS['num_leaves']} leaves × {ROUNDS} rounds")
    report([ours(train_frame, valid, s) for s in range(args.seeds)], "clearway risk model on valid.csv")
    report([raw_baseline(train_frame, valid, s) for s in range(args.seeds)],
           "baseline, same run: bare LightGBM on raw label-encoded columns, valid.csv")
    print("\npublished baselines on the KCS test months (precision@5 %, precision@10 %), mean of 5 runs:")
    for name, (p5, p10) in PUBLISHED.items():
        print(f"  {name:<22} {p5:.3f}  {p10:.3f}")


if __name__ == "__main__":
    main()
