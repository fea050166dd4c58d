"""Monthly partitions of declaration events and audit records on PostgreSQL (migration 0049).

A query that names a period reads only that period's partitions (checked in its plan), the migration
converts a database that already holds rows (and back), maintenance empties the default partition into
monthly ones, and old months are detached into the archive schema. On SQLite all of it is a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, text

from clearway.db import get_engine, make_engine
from clearway.migrate import _config, upgrade_head
from clearway.partitions import (
    PartitionError,
    detach_before,
    maintain,
    maintain_engine,
    maintain_job,
    partitioned,
    partitions,
)
from tests.conftest import PG_URL, _drop_database, _private_database, _reset_caches
from tests.factories import job_context, lodge_direct, make_world

MONTHS = [datetime(2025, m, 15, 12, 0, tzinfo=UTC) for m in (1, 2, 3)]


def _pg(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("partitioning is a PostgreSQL feature; on SQLite the migration and the job do nothing")


def _declaration_id(conn: Connection) -> int:
    return int(conn.scalar(text("SELECT min(id) FROM declarations")))


def _add_rows(conn: Connection, at: datetime, n: int = 2) -> None:
    """`n` declaration events and `n` audit records at `at`."""
    did = _declaration_id(conn)
    for i in range(n):
        conn.execute(text("INSERT INTO declaration_events (declaration_id, kind, from_status, to_status, at, actor, "
                          "actor_org, version) VALUES (:d, 'noted', 'accepted', 'accepted', :at, 'officer', "
                          "'KRCUSTOMS', 1)"), {"d": did, "at": at})
        conn.execute(text("INSERT INTO audit_records (at, actor, actor_org, action, target_type, target_id, detail, "
                          "row_hash) VALUES (:at, 'officer', 'KRCUSTOMS', 'declaration.noted', 'declaration', :t, "
                          "'{}', :h)"), {"at": at, "t": str(i), "h": f"{i:064d}"})


def _scanned(conn: Connection, sql: str, **params: object) -> set[str]:
    """The partitions a query's plan reads, by table or by index (EXPLAIN, not run)."""
    plan = "\n".join(conn.scalars(text("EXPLAIN " + sql), params))
    assert " on " in plan, plan
    return set(re.findall(r"\b((?:declaration_events|audit_records)_(?:p\d{4}_\d{2}|default))", plan))


def test_a_period_query_reads_only_the_partitions_of_its_months(db_url: str) -> None:
    _pg(db_url)
    make_world()
    lodge_direct("trader-a")
    with get_engine().begin() as conn:
        for at in MONTHS:
            _add_rows(conn, at)
        made = maintain(conn, today=date(2025, 2, 10))
        assert {"declaration_events_p2025_01", "declaration_events_p2025_02", "audit_records_p2025_03"} <= set(made)
        assert conn.scalar(text("SELECT count(*) FROM declaration_events_default")) == 0  # rows moved to their month
        conn.execute(text("ANALYZE declaration_events; ANALYZE audit_records"))

        february = {"lo": datetime(2025, 2, 1, tzinfo=UTC), "hi": datetime(2025, 3, 1, tzinfo=UTC)}
        events = _scanned(conn, "SELECT kind, count(*) FROM declaration_events WHERE at >= :lo AND at < :hi "
                                "GROUP BY kind", **february)
        assert events == {"declaration_events_p2025_02"}
        audit = _scanned(conn, "SELECT * FROM audit_records WHERE at >= :lo AND at < :hi AND actor = 'officer'",
                         **february)
        assert audit == {"audit_records_p2025_02"}
        quarter = _scanned(conn, "SELECT count(*) FROM declaration_events WHERE declaration_id = :d AND "
                                 "at BETWEEN :lo AND :hi", d=_declaration_id(conn),
                           lo=datetime(2025, 1, 1, tzinfo=UTC), hi=datetime(2025, 3, 31, tzinfo=UTC))
        assert quarter == {"declaration_events_p2025_01", "declaration_events_p2025_02", "declaration_events_p2025_03"}
        # The same February rows come back as before partitioning: the period query answers, not just plans.
        assert conn.scalar(text("SELECT count(*) FROM declaration_events WHERE at >= :lo AND at < :hi"),
                           february) == 2


def test_old_months_are_detached_into_the_archive_and_the_audit_trail_stays_whole(db_url: str) -> None:
    _pg(db_url)
    make_world()
    lodge_direct("trader-a")
    with get_engine().begin() as conn:
        for at in MONTHS:
            _add_rows(conn, at)
    maintain_job(job_context())  # the worker's pass: the 2025 rows get partitions of their own months
    with get_engine().begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_records_default")) == 0
        assert {date(2025, m, 1) for m in (1, 2, 3)} <= {p.month for p in partitions(conn, "audit_records")}
        before = conn.scalar(text("SELECT count(*) FROM declaration_events"))
        detached = detach_before(conn, "declaration_events", date(2025, 3, 1))
        assert detached == ["archive.declaration_events_p2025_01", "archive.declaration_events_p2025_02"]
        assert conn.scalar(text("SELECT count(*) FROM declaration_events")) == before - 4
        assert conn.scalar(text("SELECT count(*) FROM archive.declaration_events_p2025_02")) == 2  # still readable
        assert next(p.month for p in partitions(conn, "declaration_events")) == date(2025, 3, 1)
        with pytest.raises(PartitionError, match="audit_records cannot be detached"):
            detach_before(conn, "audit_records", date(2025, 3, 1))
        # A new event still gets the next id from the table's own sequence.
        top = conn.scalar(text("SELECT max(id) FROM declaration_events"))
        _add_rows(conn, datetime(2025, 3, 20, tzinfo=UTC), n=1)
        assert conn.scalar(text("SELECT max(id) FROM declaration_events")) == top + 1


@pytest.fixture
def existing_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A PostgreSQL database at the revision before partitioning, configured for this test."""
    if not PG_URL:
        pytest.skip("CLEARWAY_TEST_PG_URL not set (make test sets it)")
    url = _private_database(PG_URL)
    command.upgrade(_config(url), "0048")
    monkeypatch.setenv("CLEARWAY_DATABASE_URL", url)
    _reset_caches()
    try:
        yield url
    finally:
        _drop_database(PG_URL, url)
        _reset_caches()


def test_the_migration_partitions_a_database_that_already_holds_rows_and_back(existing_database: str) -> None:
    make_world()
    lodge_direct("trader-a", 2)
    engine = make_engine(existing_database, 2)
    with engine.begin() as conn:
        for at in MONTHS:
            _add_rows(conn, at)
        rows = {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).all()
                for t in ("declaration_events", "audit_records")}
        assert not partitioned(conn, "declaration_events")
    engine.dispose()

    upgrade_head(existing_database)
    engine = make_engine(existing_database, 2)
    with engine.begin() as conn:
        for table, before in rows.items():
            assert partitioned(conn, table)
            assert conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() == before
            months = {p.month for p in partitions(conn, table)}
            assert {date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)} <= months
            assert conn.scalar(text(f"SELECT count(*) FROM {table}_default")) == 0
        _add_rows(conn, MONTHS[0], n=1)  # the sequence carried over: no id is reused
        assert conn.scalar(text("SELECT max(id) FROM declaration_events")) == rows["declaration_events"][-1].id + 1
        kept = conn.execute(text("SELECT * FROM declaration_events ORDER BY id")).all()
    engine.dispose()

    command.downgrade(_config(existing_database), "0048")
    engine = make_engine(existing_database, 2)
    with engine.begin() as conn:
        assert not partitioned(conn, "declaration_events")
        assert conn.execute(text("SELECT * FROM declaration_events ORDER BY id")).all() == kept
        assert conn.scalar(text("SELECT count(*) FROM pg_constraint WHERE conname = 'uq_audit_records_seq'")) == 1
    engine.dispose()


def test_on_sqlite_the_tables_stay_plain_and_maintenance_does_nothing(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the SQLite side of the migration")
    with get_engine().connect() as conn:
        assert not partitioned(conn, "declaration_events")
    assert maintain_engine(get_engine(), today=date(2025, 2, 1)) == []
