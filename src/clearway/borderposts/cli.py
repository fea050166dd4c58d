"""`clearway borderposts …`: import a partner's hours file, recheck joint open time, run a pair's what-if study."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from clearway.auth.schemas import Principal

# As in the other domains' command modules, each command imports its domain modules when it runs: they pull
# in numpy, scipy and ciw, and `clearway --help` or `clearway serve` should not wait for them.

app = typer.Typer(help="Border posts: partner hours, joint open time, what-if studies", no_args_is_help=True)
CLI_ACTOR = Principal(user_id=0, username="cli", role="admin", organisation_id=0, organisation_code="CLI")


@app.command("import-hours")
def import_hours(
    file: Annotated[Path, typer.Argument(help="CSV: post_code, agency, traffic, rule, valid_from (RFC 3339)")],
    source: Annotated[str, typer.Option(help="partner-file or exchange")] = "partner-file",
) -> None:
    """Record a partner's hours from its file; any bad row means nothing is stored (exit 1)."""
    from clearway.borderposts import service
    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import DomainError

    with open(file, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    try:
        with get_sessionmaker()() as db, db.begin():
            done = service.hours_import(db=db, actor=CLI_ACTOR, rows=rows, source=source, now=utcnow())
    except DomainError as exc:
        for problem in exc.problems:
            typer.echo(f"{problem.code} {problem.pointer} {problem.params}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"{done} hours rows recorded")


@app.command("recheck")
def recheck() -> None:
    """Re-judge every pair's joint open time over the coming week (after a tzdata update, say)."""
    from clearway.borderposts import service
    from clearway.db import get_sessionmaker, utcnow

    with get_sessionmaker()() as db, db.begin():
        alerts = service.pairs_recheck(db=db, now=utcnow())
    typer.echo(f"{len(alerts)} alerts")


@app.command("study")
def study_command(pair: Annotated[str, typer.Argument(help="Pair code")]) -> None:
    """Fit, back-test and run the what-ifs of a pair; prints the scenarios."""
    from clearway.borderposts import selectors, study
    from clearway.db import get_sessionmaker, utcnow

    with get_sessionmaker()() as db, db.begin():
        run = study.study_run(db=db, pair=selectors.pair_get(db, pair), now=utcnow())
        if run is None:
            typer.echo("not enough crossings (eight weeks needed)", err=True)
            raise typer.Exit(code=1)
        result = run.result
    typer.echo(f"back-test MAE {100 * result['backtest']['mae_share']:.1f} %")
    for s in result["scenarios"]:
        typer.echo(f"{s['name']:<10} mean {s['mean_h']:.2f} h  p95 {s['p95_h']:.2f} h")
