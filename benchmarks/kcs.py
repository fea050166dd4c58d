"""KCS quality: train on train.csv, evaluate on valid.csv over several seeds, next to baselines.

Prints mean ± standard deviation (and min–max) over seeds of precision and recall at 1, 5 and
10 % inspection rates (precision@n % = share of frauds among the top n % of rows by score), the
revenue share caught when ranking by expected revenue, and the training time, next to
  (a) a bare LightGBM on the raw, label-encoded columns (what the published baselines do),
      trained and evaluated in the same run on the same split, and
  (b) the published baselines, measured on the withheld test months (Jeong et al. 2022).
`--tune` prints the hyperparameter grid on a time-ordered split inside train.csv only (Jan–Sep
fit, Oct–Dec scored): how the defaults in clearway.risk.ml.train were chosen; valid.csv plays no
part in it.

KCS unit prices carry little fraud signal, so valuation detectors are measured on the synthetic
world (`--synthetic` section, run by default with the KCS one): per seed, a year of declarations
(365 days × 60 a day) is split in time, the first 9 months train, the last 3 are scored.
Training sees only what an administration knows: the outcomes of the world's own inspections
(≈10 % of declarations, chosen by a legacy score plus a 1 % random sample; a fraud the inspector
missed counts as clean) and no label at all on the other rows, which still feed the histories.
Scoring is against the ground truth of every declaration of the last 3 months, a declaration
being selected by its riskiest item (its expected revenue: the sum over items): precision,
recall and revenue share (of the duty the planted frauds evade) at 1, 5 and 10 %, overall and per
fraud kind ("<kind> recall" = share of that kind's frauds selected, "<kind> precision" = share of
the selection that is that kind of fraud), for the product model (through the `native` mapping
and `clearway.risk.ml.train`; ranked by probability, and by expected revenue), next to the
unit-value detector of `clearway.risk.rules.valuation` fitted on the same 9 months, and to the world's
own legacy selection (whose inspections gave the training labels) in the scored months. Last, the
selection objectives (`clearway risk replay --objectives`: frauds, serious frauds, revenue, a
weighted mix, with random selection and the oracle) on the same test days of each world at a 5 %
daily capacity: the share of frauds, serious frauds and revenue each finds.
Usage: python benchmarks/kcs.py [--seeds 5] [--data-dir ../shared/data/kcs] [--tune]
                                [--kcs | --synthetic] [--days 365] [--per-day 60]
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from clearway.risk.ml import replay
from clearway.risk.ml.data import canonical, load
from clearway.risk.ml.evaluate import RATES, auc, average_precision, evaluate_scores, ranking_metrics, top
from clearway.risk.ml.features import build_features, fit_state
from clearway.risk.ml.mappings import KCS, NATIVE
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.train import PARAMS, ROUNDS, TrainConfig, fit_booster, train
from clearway.risk.rules import valuation
from clearway.synthetic import FRAUD_KINDS, generate_world

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "kcs"
PUBLISHED = {"LightGBM": (0.762, 0.641), "XGBoost": (0.675, 0.579), "CatBoost": (0.621, 0.520),
             "Random forest": (0.364, 0.339), "Logistic regression": (0.258, 0.248)}
RAW_CODES = ("office", "procedure", "import_type", "import_use", "payment_type", "transport_mode", "declarant_id",
             "importer_id", "seller_id", "hs_code", "departure_country", "origin_country", "duty_type",
             "origin_indicator")
SYNTH_END = date(2024, 12, 31)
TRAIN_SHARE = 0.75  # the first 9 of 12 months train; the last 3 are scored
VALUATION_KINDS = ("undervaluation", "quantity", "misclassification", "false_origin")
TRUTH = ("fraud", "fraud_kind", "revenue_recovered", "inspected", "random_pick")  # never shown to a model
MIX = {"frauds": 0.4, "serious": 0.3, "revenue": 0.3}  # the weighted mix the objectives section compares


def ours(train_frame: pd.DataFrame, valid: pd.DataFrame, seed: int) -> dict[str, float]:
    """Train the product model (with its in-data validation, as the CLI does) and score valid.csv."""
    start = time.perf_counter()
    bundle = train(train_frame, seed=seed)
    seconds = time.perf_counter() - start
    table = evaluate_scores(score_batch(valid.drop(columns=["fraud", "revenue_recovered", "critical"]), bundle), valid)
    out = {"train_s": seconds}
    for r in table.to_dict("records"):
        key = "p" if r["ranking"] == "probability" else "rev"
        out[f"{key}_precision@{r['rate']:.0%}"] = r["precision"]
        out[f"{key}_recall@{r['rate']:.0%}"] = r["recall"]
        out[f"{key}_revenue@{r['rate']:.0%}"] = r["revenue_share"]
    return out


def raw_baseline(train_frame: pd.DataFrame, valid: pd.DataFrame, seed: int) -> dict[str, float]:
    """Bare LightGBM on label-encoded raw columns, default parameters: the published recipe."""
    rows = ranking_metrics(raw_scores(train_frame, valid, seed, "fraud"), valid["fraud"].to_numpy())
    return {f"p_{m}@{r['rate']:.0%}": r[m] for r in rows for m in ("precision", "recall")}


def raw_scores(train_frame: pd.DataFrame, valid: pd.DataFrame, seed: int, target: str) -> np.ndarray:
    """Scores of valid.csv by a bare LightGBM on label-encoded raw columns, trained for `target`."""
    both = pd.concat([train_frame, valid], ignore_index=True)
    cols = {c: pd.factorize(both[c])[0] for c in RAW_CODES}
    x = np.column_stack([*cols.values(), both[["net_mass_kg", "value", "duty_rate"]].to_numpy()])
    n = len(train_frame)
    booster = lgb.train({"objective": "binary", "verbosity": -1, "seed": seed, "num_threads": 2},
                        lgb.Dataset(x[:n], train_frame[target].to_numpy()), num_boost_round=100)
    return np.asarray(booster.predict(x[n:]))


def critical_figures(score: np.ndarray, serious: np.ndarray) -> dict[str, float]:
    """The serious-fraud track: precision at 1 %, recall at 5 and 10 %, AUC and average precision."""
    rows = {r["rate"]: r for r in ranking_metrics(score, serious)}
    return {"precision@1%": rows[0.01]["precision"], "recall@5%": rows[0.05]["recall"],
            "recall@10%": rows[0.10]["recall"], "AUC": auc(score, serious), "AP": average_precision(score, serious)}


def critical_run(train_frame: pd.DataFrame, valid: pd.DataFrame, seed: int) -> dict[str, dict[str, float]]:
    """One seed of the `Critical Fraud` = 2 track: today's score, critical_score, a bare LightGBM on raw columns."""
    start = time.perf_counter()
    bundle = train(train_frame, seed=seed)
    seconds = time.perf_counter() - start
    scored = score_batch(valid.drop(columns=["fraud", "revenue_recovered", "critical"]), bundle)
    serious, fraud = valid["critical"].to_numpy(), valid["fraud"].to_numpy()
    any_fraud = {f"any fraud precision@{r['rate']:.0%}": r["precision"]
                 for r in ranking_metrics(scored["score"].to_numpy(), fraud)}
    return {"score (today)": critical_figures(scored["score"].to_numpy(), serious) | any_fraud | {"train_s": seconds},
            "critical_score": critical_figures(scored["critical_score"].to_numpy(), serious)
            | {"mean predicted": float(scored["critical_score"].mean()), "observed rate": float(serious.mean())},
            "raw LightGBM (critical)": critical_figures(raw_scores(train_frame, valid, seed, "critical"), serious)}


def critical_report(runs: list[dict[str, dict[str, float]]]) -> None:
    """Mean ± spread over seeds of each ranking's serious-fraud figures."""
    print(f"\nCritical Fraud = 2 track on valid.csv ({len(runs)} seeds; mean ± standard deviation [min – max]; "
          "the raw LightGBM's default parameters draw nothing at random, so its spread is 0 by construction)")
    for name in runs[0]:
        print(f"  {name}")
        for figure in runs[0][name]:
            v = np.array([run[name][figure] for run in runs])
            print(f"    {figure:<28} {v.mean():.4f} ± {v.std():.4f}   [{v.min():.4f} – {v.max():.4f}]")


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


def synthetic_split(seed: int, days: int, per_day: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One world: training rows labelled by its inspections only, unlabelled test rows, their truth."""
    world = generate_world(seed=seed, days=days, end=SYNTH_END, declarations_per_day=per_day)
    flat = world.to_flat_frame()
    items = [len(r.document["items"]) for r in world.declarations]
    found = np.repeat([r.found_fraud for r in world.declarations], items)
    inspected = flat["inspected"].to_numpy() == 1
    raw = flat.drop(columns=list(TRUTH)).astype(str)
    # What an administration knows: inspected rows' outcomes (a missed fraud reads as clean), else nothing.
    raw["fraud"] = np.where(inspected, found.astype(int).astype(str), "")
    raw["revenue_recovered"] = np.where(inspected, np.where(found, flat["revenue_recovered"], 0).astype(str), "")
    frame = canonical(raw, NATIVE, with_labels=True, source=f"synthetic world {seed}")
    cut = pd.Timestamp(world.start + timedelta(days=round(days * TRAIN_SHARE)), tz="UTC")
    test = (frame["lodged_at"] >= cut).to_numpy()
    truth = flat.loc[test].groupby("declaration_id", sort=False).agg(
        {"fraud": "max", "fraud_kind": "first", "revenue_recovered": "sum", "inspected": "max"})
    return frame[~test], frame[test].drop(columns=["fraud", "revenue_recovered"]), truth


def selection(picked: np.ndarray, truth: pd.DataFrame) -> dict[str, float]:
    """Precision, recall and revenue share of one selection of declarations, overall and per fraud kind."""
    fraud, kind = truth["fraud"].to_numpy(), truth["fraud_kind"].to_numpy()
    revenue = truth["revenue_recovered"].to_numpy()
    out = {"precision": fraud[picked].mean(), "recall": fraud[picked].sum() / fraud.sum(),
           "revenue share": revenue[picked].sum() / revenue.sum()}
    for k in FRAUD_KINDS:
        caught = (picked & (kind == k)).sum()
        out[f"{k} recall"] = caught / max(1, (kind == k).sum())
        if k in VALUATION_KINDS:
            out[f"{k} precision"] = caught / picked.sum()
    return out


def ranked(score: np.ndarray, truth: pd.DataFrame) -> dict[str, float]:
    """`selection` of the top 1, 5 and 10 % of declarations by score, each figure at the three rates."""
    per_rate = {}
    for rate in RATES:
        picked = np.zeros(len(score), dtype=bool)
        picked[top(score, rate)] = True
        per_rate[rate] = selection(picked, truth)
    return {f"{figure}@{rate:.0%}": per_rate[rate][figure] for figure in per_rate[RATES[0]] for rate in RATES}


def synthetic_run(seed: int, days: int, per_day: int) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Model and baselines on one world: figures per ranking, and what the data looked like."""
    history, test, truth = synthetic_split(seed, days, per_day)
    ids = test["declaration_id"].to_numpy()
    start = time.perf_counter()
    scored = score_batch(test, train(history, seed=seed))
    seconds = time.perf_counter() - start
    z = valuation.score(test, valuation.fit(history))
    rankings = {"model": pd.Series(scored["score"].to_numpy()).groupby(ids, sort=False).max(),
                "model, by revenue": pd.Series(scored["expected_revenue"].to_numpy()).groupby(ids, sort=False).sum(),
                "unit-value z": pd.Series(z).groupby(ids, sort=False).max()}
    figures = {name: ranked(s.loc[truth.index].to_numpy(), truth) for name, s in rankings.items()}
    # The oracle knows every declaration's amount: the most revenue any selection of that size can find.
    figures["oracle (true amounts)"] = ranked(truth["revenue_recovered"].to_numpy(), truth)
    inspected = truth["inspected"].to_numpy() == 1
    legacy = {"share inspected": inspected.mean(), **selection(inspected, truth)}
    kinds = truth.loc[truth["fraud"] == 1, "fraud_kind"].value_counts().to_dict()
    info = {"train rows": len(history), "train labelled": history["fraud"].notna().sum(),
            "train found frauds": history["fraud"].sum(), "test declarations": len(truth),
            "test frauds": truth["fraud"].sum(), **kinds, "model seconds": seconds}
    return figures | {"legacy selection (own rate)": legacy}, info


def compare(runs: list[dict[str, dict[str, float]]], names: list[str]) -> None:
    """One row per figure, one column per ranking: mean ± standard deviation over seeds."""
    print(f"  {'':<32}" + "".join(f"{n:>22}" for n in names))
    for figure in runs[0][names[0]]:
        cells = []
        for name in names:
            v = np.array([run[name][figure] for run in runs])
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        print(f"  {figure:<32}" + "".join(f"{c:>22}" for c in cells))


def synthetic(seeds: int, days: int, per_day: int) -> None:
    """The synthetic section: planted frauds, selection-biased training labels, truth-based scoring."""
    results = [synthetic_run(s, days, per_day) for s in range(seeds)]
    print(f"\nsynthetic world: {days} days × {per_day} declarations a day, first {TRAIN_SHARE:.0%} of days train; "
          "labels = outcomes of the world's own inspections; scored on the truth of every later declaration")
    info = pd.DataFrame([info for _, info in results]).fillna(0)
    print("  per world, mean [min – max]: " + "; ".join(
        f"{c} {v.mean():,.0f} [{v.min():,.0f} – {v.max():,.0f}]" for c, v in info.items()))
    runs = [figures for figures, _ in results]
    print(f"\nselecting the top n % of test declarations ({seeds} seeds; mean ± standard deviation)")
    compare(runs, ["model", "model, by revenue", "unit-value z", "oracle (true amounts)"])
    print("\nrevenue found as a share of the oracle's at the same inspection rate (mean ± standard deviation)")
    for name in ("model", "model, by revenue"):
        cells = []
        for rate in RATES:
            key = f"revenue share@{rate:.0%}"
            v = np.array([run[name][key] / run["oracle (true amounts)"][key] for run in runs])
            cells.append(f"@{rate:.0%} {v.mean():.3f} ± {v.std():.3f}")
        print(f"  {name:<32}" + "".join(f"{c:>22}" for c in cells))
    print("\nlegacy selection of the world itself in the test months, at its own rate")
    compare([{"legacy": run["legacy selection (own rate)"]} for run in runs], ["legacy"])
    objectives(seeds, days, per_day)


def objectives(seeds: int, days: int, per_day: int, budget: float = 0.05) -> None:
    """`clearway risk replay --objectives` on each world: what each selection objective finds at one capacity."""
    tables = []
    for seed in range(seeds):
        history, period = replay.synthetic_days(seed=seed, days=days, per_day=per_day, end=SYNTH_END,
                                                train_share=TRAIN_SHARE)
        result = replay.compare_objectives(history, period, budget=budget, random_rate=0.01, weights=MIX, seed=seed,
                                           train_config=TrainConfig())
        tables.append(result.summary.set_index("objective"))
    mix = ", ".join(f"{k} {v:g}" for k, v in MIX.items())
    print(f"\nselection objectives on the same test days, capacity {budget:.0%} a day (1 % of it random), one model "
          f"trained on the first {TRAIN_SHARE:.0%} of days; mix {mix} ({seeds} seeds; mean ± standard deviation)")
    names = list(tables[0].index)
    print(f"  {'':<26}" + "".join(f"{n:>24}" for n in names))
    for figure in ("frauds_share", "serious_share", "revenue_share"):
        cells = []
        for name in names:
            v = np.array([t.loc[name, figure] for t in tables], dtype=np.float64)
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        print(f"  {figure.replace('_share', ' found (share)'):<26}" + "".join(f"{c:>24}" for c in cells))
    oracle = "oracle (true amounts)"
    cells = [f"{np.mean([t.loc[n, 'revenue_recovered'] / t.loc[oracle, 'revenue_recovered'] for t in tables]):.3f}"
             for n in names]
    print(f"  {'revenue / oracle revenue':<26}" + "".join(f"{c:>24}" for c in cells))


def kcs(data_dir: Path, seeds: int, critical_only: bool = False) -> None:
    """The KCS section: the product model and the raw baseline on valid.csv, then the published figures."""
    train_frame = load([data_dir / "train.csv"], KCS, with_labels=True)
    valid = load([data_dir / "valid.csv"], KCS, with_labels=True)
    print(f"KCS: train {len(train_frame)} rows (2020), valid {len(valid)} rows (2021-01…03); "
          f"model: {PARAMS['num_leaves']} leaves × {ROUNDS} rounds")
    if critical_only:
        critical_report([critical_run(train_frame, valid, s) for s in range(seeds)])
        return
    report([ours(train_frame, valid, s) for s in range(seeds)], "clearway risk model on valid.csv")
    report([raw_baseline(train_frame, valid, s) for s in range(seeds)],
           "baseline, same run: bare LightGBM on raw label-encoded columns, valid.csv")
    print("\npublished baselines on the KCS test months (precision@5 %, precision@10 %), mean of 5 runs:")
    for name, (p5, p10) in PUBLISHED.items():
        print(f"  {name:<22} {p5:.3f}  {p10:.3f}")


def _kcs_frames(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """train.csv and valid.csv through the KCS mapping, with labels."""
    train_frame = load([data_dir / "train.csv"], KCS, with_labels=True)
    return train_frame, load([data_dir / "valid.csv"], KCS, with_labels=True)


def main() -> None:
    """Run the seeds of both sections, or one of them, or the grid, and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--tune", action="store_true")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--kcs", action="store_true", help="only the KCS section")
    only.add_argument("--synthetic", action="store_true", help="only the synthetic-world section")
    only.add_argument("--critical", action="store_true", help="only the KCS Critical Fraud = 2 track")
    parser.add_argument("--days", type=int, default=365, help="synthetic history length")
    parser.add_argument("--per-day", type=int, default=60, help="synthetic declarations a day")
    args = parser.parse_args()
    if args.tune:
        tune(load([args.data_dir / "train.csv"], KCS, with_labels=True))
        return
    if args.critical:
        kcs(args.data_dir, args.seeds, critical_only=True)
        return
    if not args.synthetic:
        kcs(args.data_dir, args.seeds)
        critical_report([critical_run(*_kcs_frames(args.data_dir), s) for s in range(args.seeds)])
    if not args.kcs:
        synthetic(args.seeds, args.days, args.per_day)


if __name__ == "__main__":
    main()
