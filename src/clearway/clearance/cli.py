"""`clearway crisis reconcile` and `clearway crisis drill`: the reconnect journey, which lodges at the centre.

They live with the flows because they run the lodging flow; `register` attaches them to the crisis group.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from clearway.clikit import wiring_of


def reconcile(ctx: typer.Context, post: Annotated[str, typer.Argument(help="Office code of the post")],
              file: Annotated[Path, typer.Argument(help="The node's export")]) -> None:
    """Centre: reconcile a post's export; prints what was linked and every conflict."""
    from clearway.clearance.offline import post_reconcile
    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import DomainError

    export = json.loads(file.read_text(encoding="utf-8"))
    try:
        with get_sessionmaker()() as db, db.begin():
            report = post_reconcile(db=db, wiring=wiring_of(ctx), post=post, export=export, actor="cli",
                                    now=utcnow())
    except DomainError as exc:
        for problem in exc.problems:
            typer.echo(f"{problem.code} {problem.pointer} {problem.params}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"{report.linked} linked, {report.already_linked} already linked, {len(report.conflicts)} conflicts")
    for conflict in report.conflicts:
        typer.echo(f"  {conflict['kind']} {conflict['subject']}")


def drill(ctx: typer.Context,
          post: Annotated[str, typer.Option(help="Office code of the post that goes offline")] = "KR0101",
          declarations: Annotated[int, typer.Option(min=1, max=100_000, help="Lodgements while offline")] = 200,
          ) -> None:
    """Simulate a post going offline, working on its node, and reconnecting; prints the figures."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from clearway.clearance.drill import drill_run
    from clearway.db import get_sessionmaker, utcnow

    console = Console()
    with tempfile.TemporaryDirectory(prefix="clearway-drill-") as work, Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console) as bar:
        tasks = {"offline": bar.add_task("link down: lodging at the post", total=declarations),
                 "reconcile": bar.add_task("link back: reconciling", total=declarations)}

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(tasks[phase], completed=done, total=total)

        report = drill_run(sessions=get_sessionmaker(), wiring=wiring_of(ctx), post=post, count=declarations,
                           workdir=Path(work), now=utcnow, progress=progress)
        bar.update(tasks["offline"], completed=declarations)
    rows = [
        ("post", report.post),
        ("lodged offline", f"{report.lodged} ({report.refused} refused by the node)"),
        ("node lodging rate", f"{report.offline_rate:.0f} /s"),
        ("released at the post", f"{report.released_offline} by policy, {report.decided_at_post} after a control"),
        ("still waiting", str(report.waiting)),
        ("journal", "whole" if report.journal_ok else "BROKEN"),
        ("reconciliation", f"{report.reconcile_s:.2f} s for {report.linked} declarations"),
        ("second reconciliation", f"{report.relinked} new (must be 0)"),
        ("lost", str(report.lost)),
        ("duplicated", str(report.duplicates)),
        ("conflicts", ", ".join(f"{k} {v}" for k, v in sorted(report.conflicts.items())) or "none"),
        ("centre rules left out of the snapshot", str(report.rules_left_out)),
    ]
    for name, value in rows:
        console.print(f"{name:>40}: {value}")
    if report.lost or report.duplicates or report.relinked or not report.journal_ok:
        raise typer.Exit(code=1)


def register(crisis_app: typer.Typer) -> None:
    """Attach `reconcile` and `drill` to the `clearway crisis` group."""
    crisis_app.command("reconcile")(reconcile)
    crisis_app.command("drill")(drill)
