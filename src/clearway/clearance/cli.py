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
          plan: Annotated[str | None, typer.Argument(help="A continuity plan (id, office or JSON file): "
                                                          "drill it instead of the offline post")] = None,
          event: Annotated[str | None, typer.Option(help="The plan's event (default: its first)")] = None,
          window: Annotated[float, typer.Option(min=0.5, max=600, help="Plan drill: seconds until the mode "
                                                                      "ends by itself")] = 5.0,
          trader: Annotated[str, typer.Option(help="Plan drill: the user who lodges")] = "trader-a",
          ) -> None:
    """Simulate a post going offline, working on its node, and reconnecting; prints the figures.

    With a PLAN: activate the plan's event, lodge a burst through the lodging flow, watch the mode end."""
    if plan is not None:
        plan_drill(ctx, plan, event, declarations, window, trader)
        return
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


def plan_drill(ctx: typer.Context, name: str, event: str | None, count: int, window: float, trader: str) -> None:
    """Run a continuity plan's drill and print its figures; exit 1 when the mode did not end by itself."""
    from types import SimpleNamespace

    from clearway.clearance.drill import trader_lodger
    from clearway.crisis.drill import plan_drill_run
    from clearway.crisis.jobs import expire_pass
    from clearway.crisis.plans import plan_find
    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import DomainError

    sessions, wiring = get_sessionmaker(), wiring_of(ctx)
    try:
        found = plan_find(name)
        lodge, template = trader_lodger(sessions=sessions, wiring=wiring, username=trader)
        report = plan_drill_run(sessions=sessions, lodge=lodge, plan=found, event=event, count=count,
                                window_s=window, template=template, now=utcnow,
                                expire=lambda: expire_pass(SimpleNamespace(sessions=sessions, wiring=wiring)))
    except DomainError as exc:
        for problem in exc.problems:
            typer.echo(f"{problem.code} {problem.pointer} {problem.params}", err=True)
        raise typer.Exit(code=1) from exc
    rows = [
        ("plan", f"{report.plan} ({report.office}), event {report.event}"),
        ("profiles activated", ", ".join(str(p) for p in report.profiles)),
        ("time to activate", f"{report.activate_ms:.1f} ms"),
        ("declarations lodged", f"{report.lodged} ({report.refused} refused) in {report.lodge_s:.2f} s, "
                                f"{report.rate:.0f} /s"),
        ("decided under the plan", f"{report.under_plan} ({report.post_clearance_audit} post-clearance audit)"),
        ("by channel", ", ".join(f"{k} {v}" for k, v in sorted(report.by_channel.items())) or "none"),
        ("released", str(report.released) + (f" (lodgement to release: median {report.release_s['median']:.3f} s, "
                                               f"max {report.release_s['max']:.3f} s)" if report.release_s else "")),
        ("held", f"{report.held}" + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(report.holds.items())) + ")"
                                      if report.holds else "")),
        ("mode ended", f"{report.ended_at:%H:%M:%S} UTC by {report.lifted_by}" if report.ended_at else "NO"),
        ("lodged after the end", f"{report.after_lodged} ({report.after_under_plan} under the plan, must be 0)"),
        ("seconds", f"{report.total_s:.2f}"),
    ]
    rows += [("refused", ", ".join(f"{k} {v}" for k, v in sorted(report.refusals.items())))] if report.refusals else []
    for label, value in rows:
        typer.echo(f"{label:>28}: {value}")
    if not report.ended_by_itself or not report.lodged:
        raise typer.Exit(code=1)


def register(crisis_app: typer.Typer) -> None:
    """Attach `reconcile` and `drill` to the `clearway crisis` group."""
    crisis_app.command("reconcile")(reconcile)
    crisis_app.command("drill")(drill)
