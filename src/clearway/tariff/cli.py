"""`clearway tariff …`: import a national schedule or trade agreements, seed the demo tariff."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer

from clearway.tariff.tabular import RowError

app = typer.Typer(help="National tariff schedule", no_args_is_help=True)


def _report_errors(errors: list[RowError], errors_file: Path | None) -> None:
    rows = [(e.row, e.column, e.value, e.code, e.message) for e in errors]
    if errors_file:
        with open(errors_file, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["row", "column", "value", "code", "message"])
            writer.writerows(rows)
        typer.echo(f"{len(rows)} errors written to {errors_file}", err=True)
    else:
        for row in rows[:20]:
            typer.echo("row {}, column {}: {!r}: {} ({})".format(*row), err=True)


@app.command("import")
def import_schedule(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX schedule: one row per national line and measure")],
    dry_run: Annotated[bool, typer.Option(help="Check every row, store nothing")] = False,
    errors: Annotated[Path | None, typer.Option(help="Write row errors to this CSV")] = None,
) -> None:
    """Import a schedule as a new version; any row error means nothing is stored (exit 1)."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.tariff.importer import tariff_import

    with get_sessionmaker()() as db, db.begin():
        report = tariff_import(db=db, path=file, actor_id=None, now=utcnow(), dry_run=dry_run)
        if not report.ok:
            db.rollback()
    if not report.ok:
        _report_errors(report.errors, errors)
        raise typer.Exit(code=1)
    what = "checked" if dry_run else f"stored as version {report.version_id}"
    typer.echo(f"{report.rows} rows, {report.lines} lines, {report.measures} measures: {what}")


@app.command("agreements")
def import_agreements(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: agreement, name, partners, valid_from, valid_to")],
    dry_run: Annotated[bool, typer.Option(help="Check every row, store nothing")] = False,
    errors: Annotated[Path | None, typer.Option(help="Write row errors to this CSV")] = None,
) -> None:
    """Import trade agreements and their partner countries."""
    from clearway.db import get_sessionmaker
    from clearway.tariff.importer import agreements_import

    with get_sessionmaker()() as db, db.begin():
        report = agreements_import(db=db, path=file, dry_run=dry_run)
        if not report.ok:
            db.rollback()
    if not report.ok:
        _report_errors(report.errors, errors)
        raise typer.Exit(code=1)
    typer.echo(f"{report.rows} agreements {'checked' if dry_run else 'stored'}")


@app.command("seed-demo")
def seed_demo() -> None:
    """Load the demo schedule, agreements and the ECB customs exchange rates."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.tariff.demo import demo_seed

    with get_sessionmaker()() as db, db.begin():
        seeded = demo_seed(db=db, now=utcnow())
    typer.echo(f"demo tariff: {seeded}")


if __name__ == "__main__":
    sys.exit(app())
