"""A database that is busy answers 503 with Retry-After, not 500."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest

from clearway.db import utcnow
from tests.factories import auth, document


def test_a_locked_sqlite_database_is_a_503_with_retry_after(client, db_url, monkeypatch):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    from clearway.config import get_settings
    from clearway.db import get_engine, get_sessionmaker

    headers = auth(client, "trader-a")
    monkeypatch.setenv("CLEARWAY_DB_BUSY_TIMEOUT_MS", "200")  # wait briefly for the lock, then give up
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    # Another process holds the write lock longer than this server waits for it.
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None, timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = client.post("/api/v1/declarations", json=document(), headers=headers)
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "2" and r.json()["code"] == "server.busy"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/api/v1/declarations", json=document(), headers=headers).status_code == 201


def test_reads_go_on_while_another_connection_holds_the_write_lock(client, db_url, monkeypatch):
    """A slow write elsewhere must not stop reading: sign-in checks, lists and pages answer at once."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    import time

    from clearway.auth.service import principal_cache
    from clearway.config import get_settings
    from clearway.db import get_engine, get_sessionmaker
    from tests.factories import lodge_direct

    lodge_direct("trader-a", 2)
    headers = auth(client, "trader-a")
    monkeypatch.setenv("CLEARWAY_DB_BUSY_TIMEOUT_MS", "3000")
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None, timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE users SET session_version = session_version")  # a write in flight, uncommitted
    try:
        principal_cache.clear()  # the caller's user is looked up again, inside the lock
        started = time.perf_counter()
        r = client.get("/api/v1/declarations", headers=headers)
        assert r.status_code == 200 and len(r.json()["items"]) == 2, r.text
        assert client.get(f"/api/v1/declarations/{r.json()['items'][0]['mrn']}", headers=headers).status_code == 200
        assert time.perf_counter() - started < 2.0  # no wait for the lock (it is 3 s)
        assert client.post("/api/v1/declarations", json=document(), headers=headers).status_code == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/api/v1/declarations", json=document(), headers=headers).status_code == 201


def test_a_rule_test_run_reads_without_the_write_lock(client, db_url, monkeypatch):
    """A test-run is queued by the request and replayed by the worker in read-only batches: the replay neither waits
    for a write elsewhere nor makes sign-in wait behind it."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    from clearway.config import get_settings
    from clearway.db import get_engine, get_sessionmaker
    from tests.factories import lodge_direct, worker_test_runs

    lodge_direct("trader-a", 3)
    analyst = auth(client, "analyst")
    rule = client.post("/api/v1/risk/rules", json={"name": "any", "channel": "yellow", "reason": "Test",
                                                   "expression": "item.value > 0"}, headers=analyst).json()
    monkeypatch.setenv("CLEARWAY_DB_BUSY_TIMEOUT_MS", "300")
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    run = client.post(f"/api/v1/risk/rules/{rule['id']}/test-run", json={}, headers=analyst)
    assert run.status_code == 202, run.text
    from clearway.db import get_sessionmaker, read_sessions_of
    from clearway.risk.rules import testrun

    sessions = get_sessionmaker()
    with sessions() as db, db.begin():
        assert testrun.test_run_claim(db=db, now=utcnow()) == run.json()["id"]
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None, timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        # The replay's reads run while another connection holds the write lock; only its progress notes wait.
        started = time.perf_counter()
        with read_sessions_of(sessions)() as db, db.begin():
            replay_rows = list(testrun.stored.declarations_between(db=db, start=utcnow() - timedelta(days=1),
                                                                    end=utcnow() + timedelta(days=1)))
        assert len(replay_rows) == 3 and time.perf_counter() - started < 0.3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert testrun.test_run_execute(sessions=sessions, reads=read_sessions_of(sessions), run_id=run.json()["id"]) \
        == "done"
    assert worker_test_runs() == 0
    assert client.get(run.headers["location"], headers=analyst).json()["result"]["evaluated"] == 3


@pytest.mark.parametrize("reader", ["officer", "trader-a"])
def test_reads_never_fail_while_others_write(client, db_url, reader):
    """Traders' reads skip the write lock; customs staff's reads, which append an audit record, still wait for it
    (a write after a deferred read fails at once when another write committed in between)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    import threading
    import time

    from tests.factories import lodge_direct

    (mrn,) = lodge_direct("trader-a", 1)
    headers, writer_headers = auth(client, reader), auth(client, "trader-a")
    stop, answers = time.monotonic() + 3, {"read": [], "write": []}

    def write() -> None:
        while time.monotonic() < stop:
            answers["write"].append(client.post("/api/v1/declarations", json=document(),
                                                headers=writer_headers).status_code)

    writers = [threading.Thread(target=write) for _ in range(2)]
    for thread in writers:
        thread.start()
    while time.monotonic() < stop:
        answers["read"].append(client.get(f"/api/v1/declarations/{mrn}", headers=headers).status_code)
    for thread in writers:
        thread.join()
    assert len(answers["read"]) > 20 and len(answers["write"]) > 20
    assert set(answers["read"]) == {200} and set(answers["write"]) == {201}
