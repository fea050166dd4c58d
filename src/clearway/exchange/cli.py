"""`clearway exchange …`: our signing keys, partners and their keys, replaying a stream, a test message."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.orm import Session

from clearway.auth.demo import demo_accounts
from clearway.config import get_settings
from clearway.db import get_engine, get_sessionmaker, make_engine, utcnow
from clearway.errors import DomainError
from clearway.exchange import directory
from clearway.exchange.demo import PARTNER, demo_partner_prepare
from clearway.exchange.service import message_send, stream_replay
from clearway.exchange.settings import exchange_settings
from clearway.exchange.transport import HttpTransport, TransportError
from clearway.migrate import upgrade_head

app = typer.Typer(help="Partner administrations: keys, partners, streams", no_args_is_help=True)
ACTOR = "cli:exchange"


def _fail(exc: DomainError) -> None:
    codes = ", ".join(p.code for p in exc.problems) or exc.slug
    typer.echo(f"refused: {codes}", err=True)
    raise typer.Exit(code=1)


@app.command("rotate-keys")
def rotate_keys(party: Annotated[str | None, typer.Option(help="Our code, the first time (else the country)")]
                = None) -> None:
    """Make a new signing key; the previous one stays valid for the overlap (CLEARWAY_EXCHANGE_KEY_OVERLAP_S)."""
    with get_sessionmaker()() as db, db.begin():
        key = directory.own_key_rotate(db=db, actor=ACTOR, now=utcnow(), party=party)
    typer.echo(f"{key.owner} signs with {key.kid}")


@app.command("keys")
def keys() -> None:
    """Print our code and public keys as JSON (what `add-partner --keys` takes on the other side)."""
    with get_sessionmaker()() as db, db.begin():
        found = {"party": directory.own_party(db=db), "keys": directory.own_public_keys(db=db, now=utcnow())}
    typer.echo(json.dumps(found, indent=1))


def _keys_from(endpoint: str | None, keys_file: Path | None) -> list[dict[str, object]]:
    if keys_file is not None:
        return list(json.loads(keys_file.read_text("utf-8"))["keys"])
    if endpoint is None:
        return []
    transport = HttpTransport(10)  # the same outbound rule as every request to a partner
    try:
        answer = transport.request("GET", endpoint.rstrip("/") + "/api/v1/exchange/keys")
        if answer.status_code != 200:
            raise TransportError(f"http_{answer.status_code}")
        return list(answer.json()["keys"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TransportError(str(exc)) from None
    finally:
        transport.close()


@app.command("add-partner")
def add_partner(
    code: Annotated[str, typer.Argument(help="The partner's code, e.g. JP")],
    name: Annotated[str, typer.Option(help="The administration's name")],
    agreement: Annotated[Path, typer.Option(help="JSON: legal_basis, purposes, retention_days, reciprocity, "
                                                 "documents {type: {out: [fields], in: [fields]}}")],
    endpoint: Annotated[str | None, typer.Option(help="Base URL of the partner's Clearway")] = None,
    sends: Annotated[str, typer.Option(help="Document types it sends us, comma-separated")] = "export_declaration",
    accepts: Annotated[str, typer.Option(help="Document types it accepts, comma-separated")] = "export_declaration",
    keys_file: Annotated[Path | None, typer.Option("--keys", help="Its keys, as `clearway exchange keys` prints")]
    = None,
    fetch_keys: Annotated[bool, typer.Option(help="Fetch its keys from ENDPOINT/api/v1/exchange/keys")] = False,
    pull: Annotated[bool, typer.Option(help="Pull from it as well as being pushed to")] = False,
) -> None:
    """Add or change a partner administration, its agreement and its keys."""
    terms = json.loads(agreement.read_text("utf-8"))
    try:
        found = _keys_from(endpoint if fetch_keys else None, keys_file)
    except TransportError as exc:
        typer.echo(f"could not fetch the partner's keys: {exc}", err=True)
        raise typer.Exit(code=1) from None
    try:
        with get_sessionmaker()() as db, db.begin():
            now = utcnow()
            directory.partner_add(db=db, actor=ACTOR, code=code, name=name, endpoint=endpoint,
                                  sends=[s for s in sends.split(",") if s], pull=pull, agreement=terms,
                                  accepts=[s for s in accepts.split(",") if s], now=now)
            for key in found:
                directory.partner_key_add(db=db, actor=ACTOR, partner=code, public_jwk=dict(key), now=now)
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"partner {code}: {len(found)} key(s)")


@app.command("retire-partner-key")
def retire_partner_key(code: str, kid: str) -> None:
    """End a partner key's validity now (after the partner rotated, or when it leaked)."""
    try:
        with get_sessionmaker()() as db, db.begin():
            now = utcnow()
            directory.partner_key_retire(db=db, actor=ACTOR, partner=code, kid=kid, at=now, now=now)
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"{code} key {kid} retired")


@app.command("replay")
def replay(code: str, stream: Annotated[str, typer.Option(help="The stream (document type)")] = "export_declaration",
           from_seq: Annotated[int, typer.Option(help="First number to send again")] = 1) -> None:
    """Send a stream to a partner again from a number on; what it already has is answered, not applied again."""
    try:
        with get_sessionmaker()() as db, db.begin():
            n = stream_replay(db=db, actor=ACTOR, partner=code, stream=stream, from_seq=from_seq, now=utcnow())
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"{n} message(s) of {code}/{stream} from {from_seq} queued again")


@app.command("send")
def send(code: str, file: Annotated[Path, typer.Argument(help="JSON: doc_type, business_id, version, purpose, "
                                                             "payload")]) -> None:
    """Queue one message for a partner (the worker delivers it)."""
    body = json.loads(file.read_text("utf-8"))
    try:
        with get_sessionmaker()() as db, db.begin():
            row = message_send(db=db, actor=ACTOR, partner=code, doc_type=body["doc_type"],
                               business_id=body["business_id"], version=int(body.get("version", 1)),
                               purpose=body["purpose"], payload=body["payload"], now=utcnow())
            typer.echo(f"{code}/{row.stream} #{row.seq}: {row.state}")
    except DomainError as exc:
        _fail(exc)


@app.command("demo-partner")
def demo_partner(
    port: Annotated[int, typer.Option(help="Port of the partner instance")] = 8001,
    home_url: Annotated[str, typer.Option(help="The demo's URL")] = "http://127.0.0.1:8000",
    home_db: Annotated[str, typer.Option(help="The demo's database (to register the partner's new key)")]
    = "sqlite:///./clearway.db",
    db: Annotated[str, typer.Option(help="The partner instance's own database")] = "sqlite:///./clearway-partner.db",
) -> None:
    """Start a second instance as the demo's partner (JP) on its own database and port; it pushes export
    declarations to the demo, which shows them as pre-arrival data under /exchange."""
    os.environ.update(CLEARWAY_ENVIRONMENT="demo", CLEARWAY_DATABASE_URL=db, CLEARWAY_EXCHANGE_PARTY=PARTNER,
                      CLEARWAY_JOBS_IN_SERVER="true")
    for cached in (get_settings, get_engine, get_sessionmaker, exchange_settings):
        cached.cache_clear()
    upgrade_head(db)
    home_engine = make_engine(home_db, 2)
    with Session(home_engine) as home, home.begin(), get_sessionmaker()() as partner, partner.begin():
        now = utcnow()
        demo_accounts(db=partner, now=now)
        queued = demo_partner_prepare(home=home, partner=partner, home_url=home_url.rstrip("/"),
                                      partner_url=f"http://127.0.0.1:{port}", now=now)
    home_engine.dispose()
    typer.echo(f"partner {PARTNER} on http://127.0.0.1:{port}: pushing {len(queued)} export declarations "
               f"({queued[0]} …) to {home_url}; see {home_url}/exchange as officer")
    uvicorn.run("clearway.main:create_app", factory=True, host="127.0.0.1", port=port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=5)
