"""`clearway performance …`: fold new events into the release-time timelines and rollups, or rebuild them."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

app = typer.Typer(help="Release-time measurement (timelines and rollups)", no_args_is_help=True)
PHASES = ("timelines", "statistics", "rollups")


@app.command("refresh")
def refresh_cmd() -> None:
    """Fold events committed since the last refresh into timelines and rollups (what reports do first)."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.performance.timelines import timelines_refresh

    started = time.perf_counter()
    with get_sessionmaker()() as db, db.begin():
        watermark = timelines_refresh(db=db, now=utcnow())
    typer.echo(f"timelines at event {watermark} ({time.perf_counter() - started:.2f} s)")


@app.command("rebuild")
def rebuild_cmd() -> None:
    """Recompute every timeline and rollup from all events (after a bulk load, or to reconcile)."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.performance.timelines import timelines_rebuild

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("rebuilding", total=len(PHASES))

        def step(name: str) -> None:
            progress.update(task, completed=PHASES.index(name), description=name)

        with get_sessionmaker()() as db, db.begin():
            count = timelines_rebuild(db=db, now=utcnow(), step=step)
        progress.update(task, completed=len(PHASES), description="done")
    typer.echo(f"rebuilt {count} timelines")
