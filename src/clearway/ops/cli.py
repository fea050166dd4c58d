"""`clearway drill …`: continuity drills run against the configured database."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from clearway.clikit import wiring_of

if TYPE_CHECKING:
    from clearway.ops.drill import Lodge
    from clearway.ops.drill_failover import Accounts


def _target(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("give an ISO 8601 time, e.g. 2026-12-07T14:05:00Z") from None
    if at.tzinfo is None:
        raise typer.BadParameter("give the time with its UTC offset (Z or +00:00)")
    return at.astimezone(UTC)


def drill_app(lodge: Lodge) -> typer.Typer:
    """The `drill` commands, lodging through `lodge` (the entry point hands in the clearance flow: a domain
    never imports the flows)."""
    app = typer.Typer(help="Continuity drills (backup and point-in-time restore)", no_args_is_help=True)

    @app.command("restore")
    def restore_cmd(
        ctx: typer.Context,
        duration: Annotated[float, typer.Option(min=1, max=3600, help="Seconds of lodging while backups run")] = 10.0,
        interval: Annotated[float, typer.Option(min=0.2, max=600, help="SQLite: seconds between backup copies")] = 2.0,
        scratch: Annotated[Path | None, typer.Option(help="Where backups and the restored copy go (default: a "
                                                           "temporary folder)")] = None,
        target: Annotated[str | None, typer.Option(help="Restore to this UTC time (default: when lodging "
                                                        "stopped)")] = None,
        back: Annotated[float, typer.Option(min=0, help="Without --target: restore to this many seconds before "
                                                   "lodging stopped")] = 0.0,
        keep: Annotated[bool, typer.Option(help="Keep the backups and the restored copy")] = False,
        pause: Annotated[float, typer.Option(min=0, max=10, help="Seconds between two lodgements")] = 0.0,
        production: Annotated[bool, typer.Option("--on-production", help="Run although the environment is "
                                                 "production (the drill lodges real declarations)")] = False,
        pgbackrest: Annotated[Path | None, typer.Option(help="PostgreSQL: restore from this pgBackRest "
                                                        "configuration (scripts/pgbackrest.sh configure) instead "
                                                        "of pg_basebackup and streamed WAL")] = None,
        incremental: Annotated[float, typer.Option(min=1, max=3600, help="With --pgbackrest: seconds between "
                                                   "incremental backups while lodging")] = 5.0,
    ) -> None:
        """Back up the database while declarations keep being lodged, restore it to a point in time into a scratch
        location, and report the recovery time and the acknowledged declarations lost (exit 1 unless none)."""
        from clearway.config import get_settings
        from clearway.ops.drill import DrillError, restore_drill, scratch_of
        from clearway.ops.drill_sqlite import SqliteBackend, sqlite_path

        settings = get_settings()
        if settings.production and not production:  # the drill's declarations would be real ones
            typer.secho("refused: the drill lodges declarations; run it on a copy or staging, or pass --on-production",
                        fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2)
        url = settings.database_url
        run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
        base = scratch or Path(tempfile.mkdtemp(prefix="clearway-drill-"))
        folder = scratch_of(base, run_id)
        backend: Any
        if url.startswith("sqlite"):
            backend = SqliteBackend(source=sqlite_path(url), scratch=folder, interval_s=interval)
        elif url.startswith("postgresql") and pgbackrest is not None:
            from clearway.ops.drill_pgbackrest import PgBackRestBackend

            backend = PgBackRestBackend(source_url=url, config=pgbackrest.resolve(), scratch=folder,
                                        incremental_s=incremental)
        elif url.startswith("postgresql"):
            from clearway.ops.drill_pg import PgBackend

            backend = PgBackend(source_url=url, scratch=folder)
        else:
            typer.secho(f"no restore drill for {url.split(':', 1)[0]}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2)
        console = Console(stderr=True)
        columns = (TextColumn("{task.description:<24}"), BarColumn(),
                   TextColumn("{task.completed:>8.0f}/{task.total:<8.0f}"), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console) as bar:
                tasks: dict[str, TaskID] = {}

                def progress(phase: str, done: float, total: float) -> None:
                    if phase not in tasks:
                        tasks[phase] = bar.add_task(phase, total=max(total, 1))
                    bar.update(tasks[phase], completed=done, total=max(total, 1))

                report = restore_drill(source_url=url, backend=backend, lodge=lodge, wiring=wiring_of(ctx),
                                       duration_s=duration,
                                       run_id=run_id, progress=progress, target=_target(target), back_s=back,
                                       pause_s=pause)
        except DrillError as exc:
            typer.secho(f"drill failed: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2) from None
        finally:
            if hasattr(backend, "stop"):
                backend.stop()
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        for line in report.lines():
            typer.echo(line)
        for error in report.errors:
            typer.secho(f"lodging failed during the drill: {error}", fg=typer.colors.YELLOW, err=True)
        if not report.ok:
            typer.secho("DRILL FAILED: acknowledged declarations lost, unknown rows, or a broken audit chain",
                        fg=typer.colors.RED, err=True)
            raise typer.Exit(code=1)
        typer.echo("drill passed: no acknowledged declaration lost")

    return app


def failover_register(root: typer.Typer, accounts: Accounts) -> None:
    """Add `drill failover` to the root's `drill` group, creating trader-a and its organisation with `accounts`
    (the entry point hands in the demo's accounts: a domain never imports the demo)."""
    drill = next((group.typer_instance for group in root.registered_groups if group.name == "drill"), None)
    if drill is None:
        raise RuntimeError("register the drill group (drill_app) before the failover drill")

    @drill.command("failover")
    def failover_cmd(
        seconds: Annotated[float, typer.Option(min=5, max=600, help="Seconds of lodging")] = 30.0,
        kill_after: Annotated[float, typer.Option(min=1, max=300, help="Kill the leader this many seconds in")] = 8.0,
        clients: Annotated[int, typer.Option(min=1, max=32, help="Concurrent lodging clients")] = 4,
        base_port: Annotated[int, typer.Option(min=1024, max=65000, help="etcd, PostgreSQL and Patroni use "
                                                                         "+0..+5")] = 55750,
        http_port: Annotated[int, typer.Option(min=1024, max=65535, help="The drill's own clearway serve")] = 55758,
        scratch: Annotated[Path | None, typer.Option(help="Where the cluster and the logs go (default: a temporary "
                                                           "folder; the logs are kept)")] = None,
    ) -> None:
        """Start a throw-away Patroni pair (scripts/pgha.sh), serve Clearway on it, lodge, kill the leader with
        SIGKILL, and report the seconds without service and the acknowledged against the stored lodgements (exit 1
        if an acknowledged one is missing, doubled or under another MRN)."""
        from clearway.config import get_settings
        from clearway.declarations.schemas import EXAMPLE
        from clearway.ops.drill_failover import FailoverError, failover_drill

        if not (shutil.which("patroni") and shutil.which("etcd")):
            typer.secho("needs patroni, etcd-server and postgresql-15 (make system-deps)", fg=typer.colors.RED,
                        err=True)
            raise typer.Exit(code=2)
        folder = scratch or Path(tempfile.mkdtemp(prefix="clearway-failover-"))
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)  # as root the nodes run as `postgres`, which must reach the folder
        # The drill's server signs with this process's key (the dev key is derived from the database URL, which
        # differs there), lodges the example without a duty assessment and seals the audit chain on demand only.
        env = {"CLEARWAY_SECRET_KEY": get_settings().secret_key, "CLEARWAY_DUTY_ASSESSMENT_REQUIRED": "false",
               "CLEARWAY_AUDIT_SEAL_INTERVAL_S": "0"}
        try:
            report = failover_drill(folder, base_port, http_port, EXAMPLE, accounts, seconds=seconds,
                                    kill_after=kill_after, clients=clients, env=env,
                                    log=lambda line: typer.echo(line, err=True))
        except FailoverError as exc:
            typer.secho(f"drill failed: {exc} (logs in {folder / 'logs'})", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2) from None
        for line in report.lines():
            typer.echo(line)
        for answer in report.unexpected[:10]:
            typer.secho(f"unexpected answer: {answer}", fg=typer.colors.YELLOW, err=True)
        typer.echo(f"logs: {folder / 'logs'}")
        if not report.ok:
            typer.secho("DRILL FAILED: an acknowledged lodgement is missing, doubled or under another MRN, or an "
                        "answer was not a coded one", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=1)
        typer.echo("drill passed: every acknowledged lodgement survived the failover")
