"""`clearway import declarations`: a thin command line over the bulk import service."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from clearway.bulk import columns
from clearway.clikit import wiring_of

if TYPE_CHECKING:
    from clearway.auth.schemas import Principal
    from clearway.bulk.schemas import ImportReport


class Lang(StrEnum):
    """Languages of the error messages."""

    en = "en"
    es = "es"
    fr = "fr"


def _help() -> str:
    """The command's help, with the column set taken from the code that reads it."""
    return "\n\n".join([
        "Lodge declarations from a CSV, XLSX or JSON lines (.jsonl) file, each exactly as the API would, "
        "each in its own transaction: a rejected declaration leaves nothing but its error.",
        "JSON lines: one declaration document (the DeclarationCreate JSON of the API) per line.",
        "CSV and XLSX: one row per goods item, header in row 1; rows sharing an lrn are one declaration. "
        "Every value is read as text (leading zeros kept).",
        f"Declaration columns (may repeat on each row of the declaration): {', '.join(columns.HEADER)}.",
        f"Item columns: {', '.join(columns.ITEM)}.",
        f"Required columns: {', '.join(columns.REQUIRED)}.",
        "The same file (same bytes) imported again by the same organisation lodges nothing and reports the "
        "earlier import. Exit code: 0 all accepted, 1 some rejected, 2 unusable input.",
    ])


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _actor(username: str) -> Principal:
    """The principal of an active trader account, or exit 2."""
    from pydantic import ValidationError
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.config import get_settings
    from clearway.db import get_sessionmaker

    try:
        get_settings()
    except ValidationError as exc:
        _fail("configuration refused: " + "; ".join(e["msg"] for e in exc.errors()))
    with get_sessionmaker()() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            _fail(f"no active user {username!r}")
        if user.role != "trader":
            _fail(f"{username} is {user.role}: only traders lodge declarations")
        return principal_of(user)


def _previous(report: ImportReport) -> None:
    earlier = report.previous
    if earlier is None:
        return
    when = earlier.started_at.strftime("%Y-%m-%d %H:%M UTC")
    head = "note: this file was already imported" if report.dry_run else "already imported"
    typer.echo(f"{head} as import #{earlier.id} ({earlier.filename}) on {when} by {earlier.username}: "
               f"{earlier.accepted} accepted, {earlier.rejected} rejected; nothing lodged again")


def _summary(report: ImportReport) -> str:
    unit = ("line" if report.file_format == "jsonl" else "row") + ("" if report.rows == 1 else "s")
    kind = "declaration" + ("" if report.declarations == 1 else "s")
    text = (f"read {report.declarations} {kind} ({report.rows} {unit}): {report.accepted} accepted, "
            f"{report.rejected} rejected, {report.skipped} skipped")
    return ("dry run, nothing stored: " + text) if report.dry_run else text


def declarations(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .csv, .xlsx or .jsonl file", show_default=False)],
    username: Annotated[str, typer.Option("--as", help="Trader account that lodges the declarations")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate everything, store nothing")] = False,
    errors: Annotated[Path | None, typer.Option("--errors", help="Write row-level errors to this CSV")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of error messages")] = Lang.en,
) -> None:
    """Import declarations from a CSV, XLSX or JSON lines file."""
    from rich.console import Console
    from rich.progress import Progress

    from clearway.bulk.service import ImportBusy, UnusableInput, bulk_import, errors_csv, message
    from clearway.db import get_sessionmaker, utcnow

    actor = _actor(username)
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("lodging declarations", total=None)
        try:
            report = bulk_import(db_factory=get_sessionmaker(), wiring=wiring_of(ctx), actor=actor, path=file,
                                 dry_run=dry_run,
                                 now=utcnow(), clock=utcnow,
                                 on_progress=lambda done, total: progress.update(task, completed=done, total=total))
        except (UnusableInput, ImportBusy) as exc:
            _fail(f"{file}: {exc.detail}")
    if report.resumed_from:
        typer.echo(f"resumed import #{report.import_id} after {report.resumed_from} declarations")
    _previous(report)
    if errors is not None:
        errors.write_text(errors_csv(report.errors, lang.value), encoding="utf-8-sig")
    else:
        for e in report.errors[:20]:
            typer.echo(f"row {e.row} {e.column}: {message(e.code, lang.value, e.params)} ({e.code})", err=True)
        if len(report.errors) > 20:
            typer.echo(f"… {len(report.errors) - 20} more errors: write them all with --errors FILE", err=True)
    typer.echo(_summary(report))
    raise typer.Exit(code=report.exit_code)


def register(import_app: typer.Typer) -> None:
    """Attach `declarations` to the `clearway import` group."""
    import_app.command("declarations", help=_help())(declarations)
