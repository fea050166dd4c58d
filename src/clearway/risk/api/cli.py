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
def replay_cmd(history: Annotated[Path, typer.Option("--history", exists=True, dir_okay=False)], data: Data,
               mapping: MappingName = "native",
               budget: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of items inspected")] = 0.10,
               random: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share drawn at random")] = 0.01,
               retrain_every: Annotated[int, typer.Option(min=1, help="Days between retrainings")] = 7,
               seed: int = 0,
               out: Annotated[Path, typer.Option("--out")] = Path("selections.csv")) -> None:
    """Simulate daily selection over a period, revealing outcomes only for selected items."""
    from clearway.risk.ml import data as loader
    from clearway.risk.ml import mappings, replay

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
