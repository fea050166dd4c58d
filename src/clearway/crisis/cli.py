"""`clearway crisis …`: the offline post node's commands, the centre's snapshot and emergency commands.

The `node` commands work on the node's own SQLite file only (no centre database, no network): they are
what a post runs while its link is down. Each command imports what it needs when it runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Crisis operations: offline post node, reconciliation, emergency profiles, drills",
                  no_args_is_help=True)
node_app = typer.Typer(help="The offline post node (its own SQLite file)", no_args_is_help=True)
app.add_typer(node_app, name="node")
NodeDb = Annotated[Path, typer.Option("--db", help="The node's SQLite file")]


def _problems(exc: Any) -> None:
    for problem in exc.problems:
        typer.echo(f"{problem.code} {problem.pointer} {problem.params}", err=True)
    raise typer.Exit(code=1) from exc


def _write(path: Path | None, value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=1)
    if path is None:
        typer.echo(text)
    else:
        path.write_text(text, encoding="utf-8")


@app.command("snapshot")
def snapshot_issue(post: Annotated[str, typer.Argument(help="Office code of the post")],
                   out: Annotated[Path, typer.Option(help="Where to write the signed snapshot")],
                   days: Annotated[int, typer.Option(min=1, max=30, help="Days the snapshot stays valid")] = 7) -> None:
    """Centre: issue the post's signed snapshot (with the centre's public key) to carry to the node."""
    from clearway.crisis.provision import post_snapshot_issue
    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import DomainError

    try:
        with get_sessionmaker()() as db, db.begin():
            issued = post_snapshot_issue(db=db, post=post, now=utcnow(), valid_days=days)
    except DomainError as exc:
        _problems(exc)
    _write(out, issued)
    typer.echo(f"snapshot {issued['signed']['hash'][:16]} for {post} written to {out}", err=True)


@app.command("register")
def node_register_command(post: Annotated[str, typer.Argument(help="Office code of the post")],
                          key: Annotated[Path, typer.Argument(help="The node's public key (from `node provision`)")],
                          ) -> None:
    """Centre: register the node's public key, which its exports must be signed with."""
    from clearway.crisis.provision import node_register
    from clearway.db import get_sessionmaker, utcnow

    given = json.loads(key.read_text(encoding="utf-8"))
    with get_sessionmaker()() as db, db.begin():
        node_register(db=db, post=post, public_jwk=given["public_jwk"], snapshot_hash=given["snapshot_hash"],
                      actor="cli", now=utcnow())
    typer.echo(f"node of {post} registered")


@node_app.command("provision")
def node_provision_command(db_path: NodeDb, post: Annotated[str, typer.Option(help="Office code of the post")],
                           snapshot: Annotated[Path, typer.Option(help="The file `clearway crisis snapshot` wrote")],
                           key_out: Annotated[Path, typer.Option(help="Where to write the node's public key")]) -> None:
    """Node: verify and load the centre's snapshot; writes the node's public key for the centre."""
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_open, node_provision
    from clearway.db import utcnow
    from clearway.errors import DomainError

    issued = json.loads(snapshot.read_text(encoding="utf-8"))
    engine = node_open(str(db_path))
    try:
        with Session(engine) as db, db.begin():
            public = node_provision(db=db, signed=issued["signed"], centre_public_jwk=issued["centre_public_jwk"],
                                    post=post, now=utcnow())
    except DomainError as exc:
        _problems(exc)
    _write(key_out, {"post": post, "public_jwk": public, "snapshot_hash": issued["signed"]["hash"]})
    typer.echo(f"node of {post} provisioned; public key in {key_out}")


@node_app.command("lodge")
def node_lodge_command(db_path: NodeDb,
                       file: Annotated[Path, typer.Argument(help="A JSON declaration or a list of them")]) -> None:
    """Node: lodge declarations offline; prints each offline reference, channel and whether it may go."""
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_lodge, node_open
    from clearway.db import utcnow
    from clearway.errors import DomainError

    raw = json.loads(file.read_text(encoding="utf-8"))
    engine = node_open(str(db_path))
    failed = 0
    for n, doc in enumerate(raw if isinstance(raw, list) else [raw]):
        try:
            with Session(engine) as db, db.begin():  # each lodgement acknowledged once committed
                out = node_lodge(db=db, raw=doc, now=utcnow())
        except DomainError as exc:
            failed += 1
            typer.echo(f"#{n}: " + "; ".join(f"{p.code} {p.pointer}" for p in exc.problems), err=True)
            continue
        typer.echo(f"{out.offline_ref} {out.channel} {'released' if out.released else 'waiting'} duty {out.duty}")
    if failed:
        raise typer.Exit(code=1)


@node_app.command("decide")
def node_decide_command(db_path: NodeDb, ref: Annotated[str, typer.Argument(help="Offline reference")],
                        decision: Annotated[str, typer.Argument(help="release or detain")],
                        officer: Annotated[str, typer.Option(help="Who decides")],
                        note: Annotated[str, typer.Option(help="Findings")] = "") -> None:
    """Node: an officer's decision at the post on goods waiting for a control."""
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_decide, node_open
    from clearway.db import utcnow
    from clearway.errors import DomainError

    engine = node_open(str(db_path))
    try:
        with Session(engine) as db, db.begin():
            status = node_decide(db=db, offline_ref=ref, decision=decision, officer=officer, note=note,
                                 now=utcnow())
    except DomainError as exc:
        _problems(exc)
    typer.echo(f"{ref} {status}")


@node_app.command("status")
def node_status_command(db_path: NodeDb) -> None:
    """Node: its post, snapshot, declarations by status, and whether the journal is whole (exit 1 if not)."""
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_open, node_status

    with Session(node_open(str(db_path))) as db:
        status = node_status(db=db)
    _write(None, status)
    if status["journal_broken_at"] is not None:
        raise typer.Exit(code=1)


@node_app.command("key")
def node_key_command(db_path: NodeDb, role: Annotated[str, typer.Option(help="trader or officer")],
                     party: Annotated[str, typer.Option(help="The trader's code (its declarations' declarant id) or "
                                                                 "the officer's name")]) -> None:
    """Node: issue an API key to a trader or officer at the post (printed once; the node keeps only its digest)."""
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_key_issue, node_open
    from clearway.db import utcnow
    from clearway.errors import DomainError

    try:
        with Session(node_open(str(db_path))) as db, db.begin():
            token = node_key_issue(db=db, role=role, party=party, now=utcnow())
    except DomainError as exc:
        _problems(exc)
    typer.echo(token)


@node_app.command("serve")
def node_serve_command(db_path: NodeDb, host: Annotated[str, typer.Option(help="Address on the post's network")]
                       = "127.0.0.1", port: Annotated[int, typer.Option(min=1, max=65535)] = 8700) -> None:
    """Node: serve the node's HTTP API (/node/v1/...) on its own SQLite file."""
    import uvicorn

    from clearway.crisis.node import node_open
    from clearway.crisis.node_http import node_app

    uvicorn.run(node_app(node_open(str(db_path))), host=host, port=port, log_level="warning")


@node_app.command("export")
def node_export_command(db_path: NodeDb, out: Annotated[Path, typer.Option(help="Where to write the export")]) -> None:
    """Node: everything the post did offline, signed with the node's key, for `clearway crisis reconcile`."""
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_export, node_open
    from clearway.db import utcnow

    with Session(node_open(str(db_path))) as db:
        export = node_export(db=db, now=utcnow())
    _write(out, export)
    typer.echo(f"{len(export['body']['declarations'])} declarations exported to {out}")


@app.command("expire")
def expire() -> None:
    """Centre: lift every emergency profile past its end time now (the worker does it every minute)."""
    from clearway.crisis.service import emergency_expire_due
    from clearway.db import get_sessionmaker, utcnow

    with get_sessionmaker()() as db, db.begin():
        lifted = emergency_expire_due(db=db, now=utcnow())
    typer.echo(f"{len(lifted)} profiles lifted")


@app.command("plans")
def plans_command(folder: Annotated[Path | None, typer.Option(help="A folder of plan files (default: the shipped "
                                                                   "plans)")] = None,
                  lang: Annotated[str, typer.Option(help="en, es or fr")] = "en") -> None:
    """Check every continuity plan against the schema and list what each does (exit 1 if one is invalid)."""
    from clearway.crisis.plans import PLANS_DIR, plans_load
    from clearway.errors import DomainError

    try:
        plans = plans_load(folder or PLANS_DIR)
    except DomainError as exc:
        _problems(exc)
    for plan in plans.values():
        typer.echo(f"{plan.id} {plan.office}: {getattr(plan.title, lang, plan.title.en)}")
        typer.echo(f"  decides: {getattr(plan.decides, lang, plan.decides.en)}")
        for event in plan.events:
            measures = ", ".join(f"{m.kind}/{m.effect or 'default'}" + (f" HS {'+'.join(m.hs_chapters)}"
                                                                        if m.hs_chapters else "")
                                 for m in event.measures)
            typer.echo(f"  {event.event}: {measures}; at most {event.max_hours} h; notifies "
                       f"{', '.join(event.notify) or 'nobody'}")
