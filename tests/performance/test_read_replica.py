"""Reports read from a streaming replica when one is configured: shown by pausing the replica's replay."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from tests.factories import auth
from tests.performance.conftest import add_declaration, green, hours
from tests.server import free_port

from clearway.db import get_sessionmaker

ROOT = Path(__file__).resolve().parents[2]
T = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
Q = "/api/v1/performance/release-times?date_from=2026-01-01&date_to=2026-03-31"


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def replica(db_url: str) -> Iterator[str]:
    """A hot standby of the test cluster, streaming from it; its URL names the test's database."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a streaming replica is a PostgreSQL feature (SQLite deployments have one database)")
    primary = make_url(db_url)
    where, port = tempfile.mkdtemp(prefix="clearway-replica-"), free_port()
    subprocess.run([str(ROOT / "scripts/pgreplica.sh"), "start", str(primary.port), where, str(port)],
                   check=True, capture_output=True, text=True)
    try:
        yield primary.set(port=port).render_as_string(hide_password=False)
    finally:
        subprocess.run([str(ROOT / "scripts/pgreplica.sh"), "stop", where], check=False)


def _caught_up(primary: str, replica: str) -> None:
    with psycopg.connect(_plain(primary), autocommit=True) as p:
        target = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
    deadline = time.monotonic() + 30
    with psycopg.connect(_plain(replica), autocommit=True) as r:
        while r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0] is not True:  # type: ignore[index]
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)


def _seed(n: int, refreshed) -> None:  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db, db.begin():
        for _ in range(n):
            add_declaration(db, green(T, hours(1)))
    refreshed()


def _timelines(client) -> int:  # type: ignore[no-untyped-def]
    r = client.get(Q, headers=auth(client, "analyst"))
    assert r.status_code == 200, r.text
    return int(r.json()["timelines"])


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_reports_come_from_the_replica_and_follow_it(world, db_url, replica, refreshed, monkeypatch):
    from fastapi.testclient import TestClient

    from clearway.db import get_reports_sessionmaker
    from clearway.main import create_app

    _seed(3, refreshed)
    _caught_up(db_url, replica)
    with psycopg.connect(_plain(replica), autocommit=True) as r:
        r.execute("SELECT pg_wal_replay_pause()")  # the replica now stops at 3 declarations
        _seed(2, refreshed)
        monkeypatch.setenv("CLEARWAY_REPORTS_DATABASE_URL", replica)
        from clearway.config import get_settings

        get_settings.cache_clear()
        get_reports_sessionmaker.cache_clear()
        with TestClient(create_app()) as client:
            assert _timelines(client) == 3  # read from the paused replica, not from the primary's 5
            r.execute("SELECT pg_wal_replay_resume()")
            _caught_up(db_url, replica)
            assert _timelines(client) == 5
            # Writes still go to the primary: a lodgement through the same app succeeds.
            from tests.factories import document

            lodged = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a"))
            assert lodged.status_code == 201, lodged.text
        get_reports_sessionmaker().kw["bind"].dispose()
