"""The database goes down under a running app and comes back: requests get 503 with Retry-After (problem+json
for the API, a localised page for browsers), never a 500 or a hang; /status keeps answering; once the server
is back, the same app serves again without a restart, and a lodgement retried with its Idempotency-Key is
stored once. A real PostgreSQL cluster of its own, halted and restarted by scripts/pgcluster.sh."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL, ROOT, _reset_caches
from tests.factories import document

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
SCRIPT = ROOT / "scripts" / "pgcluster.sh"
needs_cluster = pytest.mark.skipif(not (PG_URL or os.environ.get("CLEARWAY_REQUIRE_PG")) or not PGBIN.exists(),
                                reason="needs PostgreSQL binaries and CLEARWAY_TEST_PG_URL (make test sets it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cluster(command: str, folder: Path, port: int | None = None) -> str:
    args = [str(SCRIPT), command, str(folder)] + ([str(port)] if port else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PG_EXTRA_OPTS": "-c fsync=off -c full_page_writes=off"})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def outage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A migrated cluster of this test's own with the demo accounts, and how to halt and restart it."""
    from clearway.migrate import upgrade_head
    from tests.factories import make_world

    folder, port = tmp_path / "pg", _free_port()
    url = _cluster("start", folder, port)
    try:
        upgrade_head(url)
        monkeypatch.setenv("CLEARWAY_DATABASE_URL", url)
        monkeypatch.setenv("CLEARWAY_PRINCIPAL_CACHE_S", "0")  # every request asks the database who is calling
        _reset_caches()
        make_world()
        yield {"halt": lambda: _cluster("halt", folder), "start": lambda: _cluster("start", folder, port)}
    finally:
        from clearway.db import get_engine

        get_engine().dispose()
        _reset_caches()
        _cluster("stop", folder)


def _session_cookie(username: str) -> str:
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import token_for
    from clearway.config import get_settings
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        return token_for(user=user, secret=get_settings().secret_key, ttl_s=3600, kind="s")


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


@needs_cluster
def test_a_database_that_goes_down_answers_503_and_the_same_app_recovers_when_it_is_back(outage):
    from fastapi.testclient import TestClient

    from clearway.main import create_app
    from tests.factories import auth

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        trader = auth(client, "trader-a")
        client.cookies.set("cw_session", _session_cookie("trader-a"))
        assert client.post("/api/v1/declarations", json=document(), headers=trader).status_code == 201
        assert client.get("/declarations").status_code == 200

        outage["halt"]()
        doc, key = document(), {"Idempotency-Key": "outage-retry-0001"}
        r, seconds = _timed(lambda: client.post("/api/v1/declarations", json=doc, headers={**trader, **key}))
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["Retry-After"] == "5" and r.json()["code"] == "server.database_unavailable"
        assert seconds < 10  # a refused connection answers at once; an unanswering one within the connect timeout
        listed = client.get("/api/v1/declarations", headers={**trader, "Accept-Language": "es"})
        assert listed.status_code == 503 and "base de datos" in listed.json()["detail"]
        for lang, words in (("en", "Temporarily unavailable"), ("es", "Temporalmente no disponible"),
                            ("fr", "Temporairement indisponible")):
            page = client.get("/declarations", headers={"Accept-Language": lang})
            assert page.status_code == 503 and page.headers["Retry-After"] == "5", page.text[:300]
            assert page.headers["content-type"].startswith("text/html") and words in page.text
        status = client.get("/api/v1/status")
        assert status.status_code == 200 and status.json()["status"] == "down"
        assert {c["key"]: c["status"] for c in status.json()["components"]}["database"] == "down"
        assert client.get("/status").status_code == 200
        assert client.get("/readyz").status_code == 503

        outage["start"]()
        again = client.post("/api/v1/declarations", json=doc, headers={**trader, **key})
        assert again.status_code == 201, again.text  # no restart of the app: the pool reconnects by itself
        replay = client.post("/api/v1/declarations", json=doc, headers={**trader, **key})
        assert replay.status_code in (200, 201) and replay.json()["mrn"] == again.json()["mrn"]
        assert client.get("/declarations").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert {c["key"]: c["status"] for c in client.get("/api/v1/status").json()["components"]}["database"] \
            == "operational"
        mine = client.get("/api/v1/declarations", params={"limit": 50}, headers=trader).json()["items"]
        assert sorted(d["lrn"] for d in mine).count(doc["lrn"]) == 1  # nothing half-written while it was down


def test_a_database_that_accepts_but_never_answers_is_503_within_the_connect_timeout():
    # A server that takes the TCP connection and then says nothing (a hung host, a half-dead proxy): libpq's
    # connect_timeout from clearway.db bounds the wait, so the caller gets 503 in seconds, not a hang.
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from clearway.db import CONNECT_TIMEOUT_S, make_engine
    from clearway.handlers import install_handlers

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # never accepted, never answered
        engine = make_engine(f"postgresql://clearway@127.0.0.1:{silent.getsockname()[1]}/clearway", 1)
        app = FastAPI()
        install_handlers(app)

        @app.get("/api/v1/thing")
        def thing() -> dict[str, int]:
            with engine.connect() as conn:
                return {"one": int(conn.execute(text("select 1")).scalar_one())}

        r, seconds = _timed(lambda: TestClient(app, raise_server_exceptions=False).get("/api/v1/thing"))
    assert r.status_code == 503 and r.json()["code"] == "server.database_unavailable", r.text
    assert CONNECT_TIMEOUT_S - 0.5 <= seconds < CONNECT_TIMEOUT_S * 2 + 2, seconds


def test_an_embedded_database_whose_file_is_gone_is_503_in_each_language_without_english_left(tmp_path, monkeypatch):
    # SQLite, the embedded default: its volume unmounted under a signed-in user is the same outage for the caller.
    from fastapi.testclient import TestClient

    from clearway.db import get_engine
    from clearway.main import create_app
    from clearway.migrate import upgrade_head
    from tests.factories import make_world
    from tests.web.test_no_english_leaks import leaks

    volume = tmp_path / "volume"
    volume.mkdir()
    url = f"sqlite:///{volume / 'clearway.db'}"
    upgrade_head(url)
    monkeypatch.setenv("CLEARWAY_DATABASE_URL", url)
    _reset_caches()
    try:
        make_world()
        cookie = _session_cookie("trader-a")
        get_engine().dispose()
        volume.rename(tmp_path / "elsewhere")  # the file is no longer where the app looks for it
        _reset_caches()
        with TestClient(create_app(), raise_server_exceptions=False, follow_redirects=False) as client:
            client.cookies.set("cw_session", cookie)
            api = client.post("/api/v1/auth/token", data={"username": "trader-a", "password": "demo"})
            pages = {lang: client.get("/declarations", headers={"Accept-Language": lang})
                     for lang in ("en", "es", "fr")}
            status = client.get("/api/v1/status")
    finally:
        _reset_caches()
    assert api.status_code == 503 and api.json()["code"] == "server.database_unavailable", api.text
    assert api.headers["Retry-After"] == "5"
    for lang, page in pages.items():
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html"), (lang, page.text)
        if lang != "en":
            assert leaks(page.text, lang) == [], lang
    assert "Temporarily unavailable" in pages["en"].text and "Temporairement indisponible" in pages["fr"].text
    assert status.status_code == 200 and status.json()["status"] == "down"
