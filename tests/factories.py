"""Factories for valid objects; a test changes only what it is about."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from clearway.declarations.schemas import EXAMPLE

_lrn = itertools.count(1)
TRADER_A = "KR1000000001"
TRADER_B = "KR1000000002"


def make_world() -> dict[str, Any]:
    """Create the demo organisations and users in the configured database."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_accounts

    with get_sessionmaker()() as db, db.begin():
        users = demo_accounts(db=db, now=utcnow())
        return {name: u.id for name, u in users.items()}


def document(**overrides: Any) -> dict[str, Any]:
    """A valid declaration document for trader A with a fresh LRN."""
    doc = copy.deepcopy(EXAMPLE)
    doc["lrn"] = f"T-{next(_lrn):06d}"
    doc.update(overrides)
    return doc


def document_for(org: str, name: str = "Daehan Global Imports Ltd.", **overrides: Any) -> dict[str, Any]:
    """A valid document lodged by another trader."""
    party = {"id": org, "name": name, "country": "KR"}
    return document(declarant=party, importer=party, buyer=party, **overrides)


def token(client: Any, username: str, password: str = "demo") -> str:
    """A bearer token for a user."""
    from clearway.config import get_settings

    assert get_settings().environment in ("test", "demo")
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def auth(client: Any, username: str) -> dict[str, str]:
    """Authorization headers for a user."""
    return {"Authorization": f"Bearer {token(client, username)}"}


def bearer_for(username: str) -> str:
    """A bearer token minted directly (no HTTP), for tools that bring their own client."""
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import token_for
    from clearway.config import get_settings
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        return token_for(user=user, secret=get_settings().secret_key, ttl_s=3600, kind="b")


def wiring() -> Any:
    """The application's wiring, as create_app, the worker and the CLI build it."""
    from clearway.assembly import wiring_build

    return wiring_build()


def job_context(**resources: Any) -> Any:
    """What the worker hands every job: sessions on the configured database, the wiring, resources."""
    from clearway.db import get_sessionmaker
    from clearway.worker import JobContext

    return JobContext(sessions=get_sessionmaker(), wiring=wiring(), resources=dict(resources))


def worker_test_runs() -> int:
    """Run the worker's rule test-run job until nothing is queued, as the worker would; how many it ran."""
    from clearway.risk.jobs import test_runs

    ran, context = 0, job_context()
    while test_runs(context):
        ran += 1
    return ran


def lodge_direct(username: str, n: int = 1) -> list[str]:
    """Lodge n valid declarations for a trader through the service; returns their MRNs."""
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker, utcnow

    mrns = []
    with get_sessionmaker()() as db, db.begin():
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        actor = principal_of(user)
        party = {"id": actor.organisation_code, "name": user.organisation.name, "country": "KR"}
        for _ in range(n):
            raw = document(declarant=party, importer=party, buyer=party)
            mrns.append(declaration_lodge(db=db, wiring=wiring(), actor=actor, raw=raw, now=utcnow()).mrn)
    return mrns
