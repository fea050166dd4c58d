"""A database that is busy answers 503 with Retry-After, not 500."""

from __future__ import annotations

import sqlite3

import pytest

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
