"""`clearway risk ...`: train, score, evaluate and replay risk models from declaration files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Risk models: train, score, evaluate, replay", no_args_is_help=True)
# Result tables go to stdout; in a pipe or a log rich would assume 80 columns and fold the tables.
console = Console() if Console().is_terminal else Console(width=140)
SCORE_CHUNK = 50_000  # rows per scoring step: bounded memory and a moving progress bar

Data = Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="Declarations CSV file")]
MappingName = Annotated[str, typer.Option("--mapping", help="Column mapping: native or kcs")]
Model = Annotated[Path, typer.Option("--model", exists=True, file_okay=False, help="Model bundle directory")]


@contextmanager
def _progress() -> Iterator[Progress]:
    """A rich progress display on stderr, so that stdout stays clean for results."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield progress


def _fail(message: str) -> NoReturn:
    """Print a refusal and exit with status 2."""
    Console(stderr=True).print(f"[red]{message}[/red]")
    raise typer.Exit(code=2)


@app.command("train")
def train_cmd(data: Annotated[list[Path], typer.Option("--data", exists=True, dir_okay=False)],
              mapping: MappingName = "native",
              out: Annotated[Path, typer.Option("--out", help="Bundle directory to write")] = Path("model"),
              seed: Annotated[int, typer.Option(help="Random seed of the booster")] = 0,
              threads: Annotated[int, typer.Option(min=1, help="Training threads (one suits a shared host)")] = 1,
              ) -> None:
    """Train a model on labelled declarations and write its bundle."""
    from clearway.risk.ml import bundle, mappings, train
    from clearway.risk.ml import data as loader

    with _progress() as progress:
        task = progress.add_task("loading data", total=5)
        try:
            frame = loader.load(data, mappings.get_mapping(mapping), with_labels=True)
        except ValueError as exc:
            _fail(str(exc))
        sources = [{"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in data]

        def step(name: str) -> None:
            progress.update(task, advance=1, description=name)

        step("loaded")
        config = train.TrainConfig(params={**train.PARAMS, "num_threads": threads})
        try:
            model = train.train(frame, config=config, seed=seed, step=step,
                                provenance={"mapping": mapping, "sources": sources})
        except ValueError as exc:
            _fail(str(exc))
        bundle.save(model, out)
        step("saved")
    console.print(f"model {model.version} written to {out}")
    metrics = model.card["validation"].get("metrics")
    if metrics:
        _print_metrics("time-ordered validation inside the training data", metrics)


@app.command("retrain")
def retrain_cmd(name: Annotated[str, typer.Option("--name", help="Bundle directory under the models directory")],
                since: Annotated[str | None, typer.Option(help="Only declarations lodged from this date")] = None,
                seed: Annotated[int, typer.Option(help="Random seed of the booster")] = 0) -> None:
    """Build a candidate from stored declarations and control findings, and register it (not promoted)."""
    from datetime import datetime

    from clearway.auth.schemas import Principal
    from clearway.db import get_sessionmaker, utcnow
    from clearway.risk.ml.retrain import retrain

    start = datetime.fromisoformat(since).replace(tzinfo=utcnow().tzinfo) if since else None
    system = Principal(user_id=0, username="risk-retrain", role="analyst", organisation_id=0,
                       organisation_code="SYSTEM")
    with _progress() as progress:
        progress.add_task("exporting history and training", total=None)
        try:
            with get_sessionmaker()() as db, db.begin():
                model = retrain(db=db, actor=system, name=name, now=utcnow(), since=start, seed=seed)
        except ValueError as exc:
            _fail(str(exc))
    console.print(f"candidate {model.version} registered from {model.path}; shadow or promote it on /risk/models")


@app.command("score")
def score_cmd(model: Model, data: Data, mapping: MappingName = "native",
              out: Annotated[Path, typer.Option("--out", help="CSV to write")] = Path("scores.csv")) -> None:
    """Score declarations (label columns are never read) and write id, item and score."""
    import pandas as pd

    from clearway.risk.ml import bundle as bundles
    from clearway.risk.ml import data as loader
    from clearway.risk.ml import mappings, predict

    try:
        loaded = bundles.load(model)
        frame = loader.load([data], mappings.get_mapping(mapping), with_labels=False)
    except ValueError as exc:
        _fail(str(exc))
    parts = []
    with _progress() as progress:
        task = progress.add_task("scoring", total=len(frame))
        for start in range(0, len(frame), SCORE_CHUNK):
            chunk = frame.iloc[start : start + SCORE_CHUNK]
            parts.append(predict.score_batch(chunk, loaded))
            progress.update(task, advance=len(chunk))
    scores = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    scores.to_csv(out, index=False)
    console.print(f"{len(scores)} items scored with model {loaded.version} -> {out}")


@app.command("evaluate")
def evaluate_cmd(model: Model, data: Data, mapping: MappingName = "native") -> None:
    """Print precision, recall and revenue at 1, 5 and 10 % inspection rates on labelled data."""
    from clearway.risk.ml import bundle as bundles
    from clearway.risk.ml import data as loader
    from clearway.risk.ml import evaluate, mappings, predict

    try:
        loaded = bundles.load(model)
        frame = loader.load([data], mappings.get_mapping(mapping), with_labels=True)
    except ValueError as exc:
        _fail(str(exc))
    if "fraud" not in frame or frame["fraud"].notna().sum() == 0:
        _fail("evaluation needs outcomes: the file has no labelled rows")
    with _progress() as progress:
        task = progress.add_task("scoring", total=1)
        scores = predict.score_batch(frame, loaded)
        progress.update(task, advance=1)
    table = evaluate.evaluate_scores(scores, frame)
    for ranking, rows in table.groupby("ranking", sort=False):
        _print_metrics(f"ranked by {ranking} — model {loaded.version}", rows.to_dict("records"))


@app.command("replay")
def replay_cmd(history: Annotated[Path | None, typer.Option("--history", exists=True, dir_okay=False)] = None,
               data: Annotated[Path | None, typer.Option("--data", exists=True, dir_okay=False,
                                                         help="Declarations CSV file")] = None,
               mapping: MappingName = "native",
               budget: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of items inspected")] = 0.10,
               random: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share drawn at random")] = 0.01,
               retrain_every: Annotated[int, typer.Option(min=1, help="Days between retrainings")] = 7,
               seed: int = 0,
               out: Annotated[Path, typer.Option("--out")] = Path("selections.csv"),
               objectives: Annotated[bool, typer.Option(
                   "--objectives", help="Compare the selection objectives (frauds, serious frauds, revenue, "
                   "mix) on the same days instead of the retraining policies")] = False,
               synthetic: Annotated[bool, typer.Option(
                   "--synthetic", help="Days of a synthetic world (history labelled by its own inspections, "
                   "later days with every outcome) instead of --history/--data")] = False,
               stored: Annotated[str | None, typer.Option(
                   "--stored", help="Stored declarations: those lodged before this date are the history, the "
                   "controlled ones from it the period (only their outcomes are known)")] = None,
               days: Annotated[int, typer.Option(min=20, help="Synthetic world length in days")] = 365,
               per_day: Annotated[int, typer.Option(min=1, help="Synthetic declarations a day")] = 60,
               office: Annotated[str | None, typer.Option(
                   help="Take capacity, random rate and mix weights from this office's stored selection setting")]
               = None,
               direction: Annotated[str, typer.Option(help="Direction of --office's setting")] = "IM",
               weights: Annotated[str, typer.Option(
                   help="Mix weights: frauds,serious,revenue")] = "0.4,0.3,0.3") -> None:
    """Simulate daily selection over a period, revealing outcomes only for selected items; with --objectives,
    compare what each selection objective finds at the same capacity."""
    from clearway.risk.ml import data as loader
    from clearway.risk.ml import mappings, replay

    if not objectives and (history is None or data is None or synthetic or stored):
        _fail("the retraining replay needs --history and --data (--synthetic and --stored go with --objectives)")
    if objectives and sum([synthetic, stored is not None, history is not None or data is not None]) != 1:
        _fail("--objectives needs one source: --history with --data, --synthetic, or --stored DATE")
    mix = _weights(weights)
    if office is not None:
        budget, random, mix = _office_setting(office, direction)
    if objectives:
        past, period = _objective_days(history, data, mapping, synthetic, stored, seed, days, per_day)
        _compare(past, period, budget, random, mix, seed)
        return
    assert history is not None and data is not None  # checked above
    try:
        chosen = mappings.get_mapping(mapping)
        past, period = (loader.load([f], chosen, with_labels=True) for f in (history, data))
    except ValueError as exc:
        _fail(str(exc))
    if "fraud" not in period or period["fraud"].isna().any():
        _fail("replay needs the true outcome of every item in --data")
    config = replay.ReplayConfig(budget=budget, random_rate=random, retrain_every=retrain_every, seed=seed)
    with _progress() as progress:
        task = progress.add_task("replaying", total=period["lodged_at"].dt.floor("D").nunique())
        result = replay.replay(past, period, config=config,
                               tick=lambda day: progress.update(task, advance=1, description=f"day {day}"))
    result.selections[replay.POLICIES[0]].to_csv(out, index=False)
    _print_replay(result.summary, result.true_rate)
    console.print(f"selections of the {replay.POLICIES[0]} model written to {out}")


def _weights(text: str) -> dict[str, float]:
    """Mix weights from "frauds,serious,revenue"."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 3 or min(values) < 0 or not sum(values):
        _fail("--weights takes three numbers, frauds,serious,revenue, not all 0 (e.g. 0.4,0.3,0.3)")
    return dict(zip(("frauds", "serious", "revenue"), values, strict=True))


def _office_setting(office: str, direction: str) -> tuple[float, float, dict[str, float]]:
    """Capacity (red + yellow share), random rate and mix weights of an office's stored setting ('*' if none)."""
    from clearway.db import get_sessionmaker
    from clearway.risk.engine.selection import setting_get

    with get_sessionmaker()() as db, db.begin():
        row = setting_get(db=db, office=office, direction=direction) or setting_get(db=db, office="*",
                                                                                    direction=direction)
        if row is None:
            _fail(f"no selection setting for {office}/{direction} nor */{direction}")
        console.print(f"capacity of {row.office}/{row.direction}: {float(row.red_share + row.yellow_share):.1%}, "
                      f"random {float(row.random_rate):.1%}, objective in force {row.objective}")
        return (float(row.red_share + row.yellow_share), float(row.random_rate),
                {"frauds": float(row.weight_frauds), "serious": float(row.weight_serious),
                 "revenue": float(row.weight_revenue)})


def _objective_days(history: Path | None, data: Path | None, mapping: str, synthetic: bool, stored: str | None,
                    seed: int, days: int, per_day: int) -> tuple[object, object]:
    """History and fully labelled period from files, a synthetic world or the database."""
    from datetime import date

    from clearway.risk.ml import data as loader
    from clearway.risk.ml import mappings, replay

    if synthetic:
        return replay.synthetic_days(seed=seed, days=days, per_day=per_day, end=date(2024, 12, 31))
    if stored is not None:
        return _stored_days(stored)
    if history is None or data is None:
        _fail("--history and --data go together")
    try:
        chosen = mappings.get_mapping(mapping)
        past, period = (loader.load([f], chosen, with_labels=True) for f in (history, data))
    except ValueError as exc:
        _fail(str(exc))
    if "fraud" not in period or period["fraud"].isna().any():
        _fail("replay needs the true outcome of every item in --data")
    return past, period


def _stored_days(since: str) -> tuple[object, object]:
    """Stored declarations: before `since` the history, from it the controlled declarations (with outcomes)."""
    import tempfile
    from datetime import UTC, datetime

    from clearway.db import get_sessionmaker
    from clearway.risk.ml import data as loader
    from clearway.risk.ml.mappings import NATIVE
    from clearway.risk.ml.retrain import training_frame

    try:
        cut = datetime.fromisoformat(since).replace(tzinfo=UTC)
    except ValueError:
        _fail(f"--stored takes a date (YYYY-MM-DD), not {since!r}")
    with get_sessionmaker()() as db, db.begin():
        exported = training_frame(db=db)
    if exported.empty:
        _fail("no stored declarations")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stored.csv"
        exported.to_csv(path, index=False)
        frame = loader.load([path], NATIVE, with_labels=True)  # the loader `clearway risk train` uses
    later = (frame["lodged_at"] >= cut).to_numpy()
    controlled = frame.groupby("declaration_id")["fraud"].transform(lambda v: v.notna().all()).to_numpy()
    past, period = frame[~later], frame[later & controlled]
    if past.empty or period.empty:
        _fail(f"--stored {since}: needs declarations before it and controlled ones from it")
    return past, period


def _compare(past: object, period: object, budget: float, random: float, mix: dict[str, float], seed: int) -> None:
    """Run the comparison with a progress bar over days and print one row per objective."""
    import pandas as pd

    from clearway.risk.ml import replay

    assert isinstance(past, pd.DataFrame) and isinstance(period, pd.DataFrame)
    with _progress() as progress:
        task = progress.add_task("comparing objectives", total=period["lodged_at"].dt.floor("D").nunique())
        try:
            result = replay.compare_objectives(
                past, period, budget=budget, random_rate=random, weights=mix, seed=seed,
                tick=lambda day: progress.update(task, advance=1, description=f"day {day}"))
        except ValueError as exc:
            _fail(str(exc))
    weights = ", ".join(f"{k} {v:g}" for k, v in mix.items())
    table = Table(title=f"objectives on the same {result.days} days, {result.declarations} declarations — capacity "
                        f"{budget:.1%} (random {random:.1%})")
    for col in ("objective", "inspected", "frauds found", "share", "serious found", "share ", "revenue recovered",
                "share  "):
        table.add_column(col, justify="right")
    for r in result.summary.to_dict("records"):
        serious = "—" if r["serious_found"] is None else str(r["serious_found"])
        table.add_row(r["objective"], str(r["inspected"]), str(r["frauds_found"]), f"{r['frauds_share']:.3f}",
                      serious, f"{r['serious_share']:.3f}", f"{r['revenue_recovered']:,.0f}",
                      f"{r['revenue_share']:.3f}")
    console.print(table)
    totals = result.totals
    console.print(f"mix weights: {weights}")
    console.print(f"in the period: {totals['frauds']:.0f} frauds, {totals['serious']:.0f} serious, "
                  f"{totals['revenue']:,.0f} recoverable revenue")


def _print_metrics(title: str, rows: list[dict]) -> None:
    """A table of metrics per inspection rate."""
    table = Table(title=title)
    for col in ("inspection rate", "inspected", "precision", "recall", "revenue", "revenue share"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(f"{r['rate']:.0%}", str(r["inspected"]), f"{r['precision']:.3f}", f"{r['recall']:.3f}",
                      f"{r['revenue']:,.0f}", f"{r['revenue_share']:.3f}")
    console.print(table)


def _print_replay(summary: object, true_rate: float) -> None:
    """One row per policy: catches, precision, and what its random sample says about the fraud rate."""
    table = Table(title=f"replay — true fraud rate {true_rate:.3f}; rate estimated from each random sample")
    for col in ("policy", "inspected", "caught", "precision", "recall", "revenue", "random", "estimate (95 % CI)"):
        table.add_column(col, justify="right")
    for r in summary.to_dict("records"):  # type: ignore[attr-defined]
        table.add_row(r["policy"], str(r["inspected"]), str(r["frauds_caught"]), f"{r['precision']:.3f}",
                      f"{r['recall']:.3f}", f"{r['revenue_share']:.3f}", str(r["random_n"]),
                      f"{r['estimated_rate']:.3f} ({r['ci_low']:.3f}–{r['ci_high']:.3f})")
    console.print(table)


if __name__ == "__main__":
    app()
