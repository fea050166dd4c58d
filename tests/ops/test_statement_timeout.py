"""A slow statement cannot hold the service: past `db_statement_timeout_ms` the database cancels it (PostgreSQL's
statement_timeout, SQLite's progress handler), the request answers a coded 503 problem in the caller's language
with Retry-After, nothing is stored, and the same lodgement retried with its Idempotency-Key is stored once.

The slowness is real: a trigger on the declarations table that runs `pg_sleep` (PostgreSQL) or counts to a
billion (SQLite) inside the lodgement's own INSERT, and a request that runs `pg_sleep` itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.conftest import _reset_caches
from tests.factories import auth, document

TIMEOUT_MS = 400

SLOW_TRIGGER = {
    "postgresql": [
        "CREATE FUNCTION cw_slow_insert() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$"
        " LANGUAGE plpgsql",
        "CREATE TRIGGER cw_slow_insert BEFORE INSERT ON declarations FOR EACH ROW EXECUTE FUNCTION cw_slow_insert()",
    ],
    "sqlite": [
        "CREATE TRIGGER cw_slow_insert BEFORE INSERT ON declarations BEGIN SELECT count(*) FROM (WITH RECURSIVE"
        " c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT x FROM c); END",
    ],
}
DROP_TRIGGER = {
    "postgresql": ["DROP TRIGGER cw_slow_insert ON declarations", "DROP FUNCTION cw_slow_insert()"],
    "sqlite": ["DROP TRIGGER cw_slow_insert"],
}
MESSAGES = {"en": "took too long", "es": "tardó demasiado", "fr": "trop de temps"}


@pytest.fixture
def slow_client(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The app on a database whose statements may run TIMEOUT_MS, with the demo accounts."""
    from fastapi.testclient import TestClient

    from clearway.main import create_app
    from tests.factories import make_world

    monkeypatch.setenv("CLEARWAY_DB_STATEMENT_TIMEOUT_MS", str(TIMEOUT_MS))
    _reset_caches()
    make_world()
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


def _ddl(statements: list[str]) -> None:
    from clearway.db import get_engine

    with get_engine().begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _count(lrn: str) -> int:
    from clearway.db import get_sessionmaker
    from clearway.declarations.models import Declaration

    with get_sessionmaker()() as db:
        return int(db.scalar(select(func.count()).select_from(Declaration).where(Declaration.lrn == lrn)) or 0)


def test_a_lodgement_whose_insert_is_slow_is_cancelled_with_503_and_stored_once_when_retried(slow_client, db_url):
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    trader = auth(slow_client, "trader-a")
    doc, key = document(), {"Idempotency-Key": "slow-insert-0001"}
    _ddl(SLOW_TRIGGER[backend])
    try:
        for lang, words in MESSAGES.items():
            started = time.perf_counter()
            r = slow_client.post("/api/v1/declarations", json=doc,
                                 headers={**trader, **key, "Accept-Language": lang})
            seconds = time.perf_counter() - started
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "server.statement_timeout" and r.headers["Retry-After"] == "5"
            assert words in r.json()["detail"].lower(), (lang, r.json()["detail"])
            assert seconds < TIMEOUT_MS / 1000 + 3, seconds  # cancelled near the limit, not after the 30 s sleep
        assert _count(doc["lrn"]) == 0  # the cancelled transaction left nothing behind
        # Meanwhile the service answers: other statements are unaffected and get their own connections.
        assert slow_client.get("/api/v1/declarations", headers=trader).status_code == 200
    finally:
        _ddl(DROP_TRIGGER[backend])
    again = slow_client.post("/api/v1/declarations", json=doc, headers={**trader, **key})
    assert again.status_code == 201, again.text
    replay = slow_client.post("/api/v1/declarations", json=doc, headers={**trader, **key})
    assert replay.status_code in (200, 201) and replay.json()["mrn"] == again.json()["mrn"]
    assert _count(doc["lrn"]) == 1


def test_a_request_running_pg_sleep_past_the_limit_answers_503_and_frees_its_connection(slow_client, db_url):
    from fastapi import Depends
    from sqlalchemy.orm import Session

    from clearway.db import get_engine, session_scope

    if db_url.startswith("sqlite"):
        pytest.skip("pg_sleep is PostgreSQL's; the SQLite deadline is tested through the slow trigger")
    app = slow_client.app

    @app.get("/api/v1/_test/sleep")
    def sleep(seconds: float, db: Session = Depends(session_scope)) -> dict[str, float]:
        db.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        db.commit()
        return {"slept": seconds}

    # Moved ahead of the app's catch-all routes, so the test route is reached.
    app.router.routes.insert(0, app.router.routes.pop())
    assert slow_client.get("/api/v1/_test/sleep", params={"seconds": 0.05}).json() == {"slept": 0.05}
    checked_out = get_engine().pool.checkedout()  # type: ignore[attr-defined]
    for lang in MESSAGES:
        started = time.perf_counter()
        r = slow_client.get("/api/v1/_test/sleep", params={"seconds": 20}, headers={"Accept-Language": lang})
        seconds = time.perf_counter() - started
        assert r.status_code == 503 and r.json()["code"] == "server.statement_timeout", r.text
        assert TIMEOUT_MS / 1000 - 0.05 <= seconds < TIMEOUT_MS / 1000 + 3, seconds
        assert MESSAGES[lang] in r.json()["detail"].lower()
    assert get_engine().pool.checkedout() == checked_out  # type: ignore[attr-defined]  # none left held
    with get_engine().connect() as conn:  # the setting is the server's for every pooled connection
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == f"{TIMEOUT_MS}ms"


def test_the_statement_timeout_is_off_when_set_to_zero(tmp_path):
    from clearway.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", 1, statement_timeout_ms=0)
    with engine.connect() as conn:  # ~0.5 s of work; with a 1 ms limit this would be interrupted
        count = conn.execute(text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000)"
                                  " SELECT count(*) FROM c")).scalar_one()
    assert count == 2_000_000
    limited = make_engine(f"sqlite:///{tmp_path / 'x.db'}", 1, statement_timeout_ms=1)
    with limited.connect() as conn, pytest.raises(Exception, match="interrupted"):
        conn.execute(text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000)"
                          " SELECT count(*) FROM c")).scalar_one()
