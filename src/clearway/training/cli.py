"""`clearway training world`: create or reset a cohort's training world from the synthetic generator."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(help="Training of personnel: training worlds", no_args_is_help=True)


@app.command("world")
def world_cmd(
    cohort: Annotated[str, typer.Option(help="Cohort name (a reset replaces its world and exercises)")] = "default",
    seed: Annotated[int, typer.Option(help="Synthetic world seed")] = 7,
    days: Annotated[int, typer.Option(help="Days of history")] = 30,
    per_day: Annotated[int, typer.Option(help="Declarations per day")] = 40,
) -> None:
    """Seed (or reset) a cohort's training world: synthetic declarations with planted frauds of known truth."""
    from sqlalchemy.exc import SQLAlchemyError

    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import DomainError
    from clearway.training.service import world_seed

    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=Console(stderr=True)) as bar:
            task = bar.add_task(f"training world {cohort}", total=None)
            with get_sessionmaker()() as db, db.begin():
                world = world_seed(db=db, cohort=cohort, seed=seed, days=days, per_day=per_day, now=utcnow(),
                                   progress=lambda done, total: bar.update(task, completed=done, total=total))
                count = world.case_count
    except (DomainError, SQLAlchemyError) as exc:
        typer.secho(f"training world refused: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"training world {cohort}: {count} declarations ({time.perf_counter() - started:.1f} s)")
