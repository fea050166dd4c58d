"""The `clearway` command line: demo, serve, db, users, audit, import, risk."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from clearway.agencies import cli as agencies_cli
from clearway.borderposts import cli as borderposts_cli
from clearway.bulk import cli as bulk_cli
from clearway.classification import cli as classification_cli
from clearway.clearance import cli as clearance_cli
from clearway.clikit import CliState, wiring_of
from clearway.config import Settings
from clearway.crisis import cli as crisis_cli
from clearway.exchange import cli as exchange_cli
from clearway.notifications import cli as stream_cli
from clearway.ops import cli as ops_cli
from clearway.performance import cli as performance_cli
from clearway.risk.api import cli as risk_cli
from clearway.tariff import cli as tariff_cli
from clearway.training import cli as training_cli

app = typer.Typer(help="Clearway customs clearance platform", no_args_is_help=True)
db_app = typer.Typer(help="Database schema", no_args_is_help=True)
users_app = typer.Typer(help="Accounts", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail", no_args_is_help=True)
import_app = typer.Typer(help="Bulk import", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(import_app, name="import")


@app.callback()
def root(ctx: typer.Context) -> None:
    """Clearway customs clearance platform."""
    from clearway.assembly import wiring_build  # the whole product loads only for the commands that use it

    ctx.obj = CliState(build=wiring_build)


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _settings() -> Settings:
    from pydantic import ValidationError

    from clearway.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        typer.secho("configuration refused: " + "; ".join(e["msg"] for e in exc.errors()), fg=typer.colors.RED,
                    err=True)
        raise typer.Exit(code=2) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to CLEARWAY_DATABASE_URL."""
    from clearway.migrate import upgrade_head

    upgrade_head(_settings().database_url)
    typer.echo("database at head")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the API and web UI (refuses to start with default secrets outside demo mode)."""
    import uvicorn

    settings = _settings()
    from clearway.db import get_engine
    from clearway.migrate import is_at_head

    if not is_at_head(get_engine()):
        _fail("database is not at the latest migration: run `clearway db upgrade`")
    typer.echo(f"Clearway ({settings.environment}) on http://{host}:{port}")
    uvicorn.run("clearway.main:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, timeout_graceful_shutdown=5)


@app.command()
def demo(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    seed_only: Annotated[bool, typer.Option(help="Migrate and seed, then exit")] = False,
) -> None:
    """Migrate and seed the demo world when the database is empty, then serve."""
    os.environ["CLEARWAY_ENVIRONMENT"] = "demo"
    os.environ.setdefault("CLEARWAY_JOBS_IN_SERVER", "true")  # the demo serves and runs the worker's jobs
    # The demo's partner administration (`clearway exchange demo-partner`) runs on this machine, on loopback.
    os.environ.setdefault("CLEARWAY_OUTBOUND_ALLOW_LOOPBACK", "true")
    settings = _settings()
    from rich.progress import Progress

    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_is_seeded, demo_seed
    from clearway.migrate import upgrade_head

    upgrade_head(settings.database_url)
    with get_sessionmaker()() as db, db.begin():
        if demo_is_seeded(db=db):
            typer.echo("database already holds data: not seeding")
        else:
            with Progress(transient=True) as bar:
                task = bar.add_task("seeding 90 days of synthetic history", total=None)
                count = demo_seed(db=db, wiring=wiring_of(ctx), now=utcnow(),
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
            typer.echo(f"seeded the demo world: {count} declarations")
    if not seed_only:
        serve(host=host, port=port, workers=1)


@users_app.command("create")
def users_create(
    username: str, role: str, organisation: Annotated[str, typer.Option(help="Organisation code")],
    office: Annotated[str | None, typer.Option(help="Office code for officers")] = None,
) -> None:
    """Create a user; the password is read from the CLEARWAY_NEW_PASSWORD variable or a prompt."""
    from sqlalchemy import select

    from clearway.auth.models import Organisation
    from clearway.auth.service import user_create
    from clearway.db import get_sessionmaker, utcnow

    _settings()
    password = os.environ.get("CLEARWAY_NEW_PASSWORD") or typer.prompt("password", hide_input=True)
    with get_sessionmaker()() as db, db.begin():
        org = db.scalar(select(Organisation).where(Organisation.code == organisation))
        if org is None:
            _fail(f"no organisation {organisation!r}")
        user_create(db=db, username=username, password=password, role=role, organisation=org,  # type: ignore[arg-type]
                    office=office, now=utcnow())
    typer.echo(f"created {username} ({role})")


def _set_active(username: str, active: bool) -> None:
    from clearway.auth.service import user_set_active
    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import NotFound

    _settings()
    try:
        with get_sessionmaker()() as db, db.begin():
            user_set_active(db=db, username=username, active=active, actor="cli", actor_org="cli", now=utcnow())
    except NotFound:
        _fail(f"no user {username!r}")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable a user: it cannot sign in, and its tokens and sessions stop working."""
    _set_active(username, False)
    typer.echo(f"disabled {username}")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Let a disabled user sign in again (its old tokens stay revoked)."""
    _set_active(username, True)
    typer.echo(f"enabled {username}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exit 1 naming the first broken record."""
    from clearway.audit.service import audit_verify as verify
    from clearway.db import get_sessionmaker

    _settings()
    with get_sessionmaker()() as db, db.begin():
        result = verify(db=db)
    if not result.ok:
        typer.secho(f"BROKEN at record id={result.broken_id} seq={result.broken_seq}: {result.reason}",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo(f"audit trail intact: {result.sealed} sealed records, {result.unsealed} awaiting sealing")


@audit_app.command("seal")
def audit_seal() -> None:
    """Chain every committed, unsealed audit record now."""
    from clearway.audit.sealing import seal_all
    from clearway.db import get_sessionmaker

    _settings()
    typer.echo(f"sealed {seal_all(get_sessionmaker())} records")


@app.command()
def worker(ctx: typer.Context) -> None:
    """Run every domain's background jobs: audit sealing, outbox relay, webhook deliveries, task assignment,
    release of goods nothing holds any more, release-time refresh (one worker per database)."""
    from clearway.db import get_sessionmaker
    from clearway.worker import JobContext, run_worker

    _settings()
    typer.echo("Clearway worker running (Ctrl-C to stop)")
    run_worker(JobContext(sessions=get_sessionmaker(), wiring=wiring_of(ctx)))


app.add_typer(risk_cli.app, name="risk")
app.add_typer(classification_cli.app, name="classification")
app.add_typer(tariff_cli.app, name="tariff")
app.add_typer(performance_cli.app, name="performance")
app.add_typer(borderposts_cli.app, name="borderposts")
app.add_typer(agencies_cli.app, name="agencies")
app.add_typer(exchange_cli.app, name="exchange")
app.add_typer(stream_cli.app, name="stream")
app.add_typer(training_cli.app, name="training")


def _drill_lodge(db: Any, wiring: Any, actor: Any, raw: dict[str, Any], now: Any) -> str:
    """The clearance flow's lodging, for the restore drill (it lodges while it backs up); its MRN."""
    from clearway.clearance.lodge import declaration_lodge

    return declaration_lodge(db=db, wiring=wiring, actor=actor, raw=raw, now=now).mrn


app.add_typer(ops_cli.drill_app(_drill_lodge), name="drill")


def _drill_accounts(db: Any) -> None:
    """The demo's accounts, for the failover drill's fresh cluster (it lodges as trader-a)."""
    from clearway.db import utcnow
    from clearway.demo import demo_accounts

    demo_accounts(db=db, now=utcnow())


ops_cli.failover_register(app, _drill_accounts)
bulk_cli.register(import_app)
app.add_typer(crisis_cli.app, name="crisis")
clearance_cli.register(crisis_cli.app)

if __name__ == "__main__":
    sys.exit(app())
