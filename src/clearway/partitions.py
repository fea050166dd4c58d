"""Monthly partitions of the large PostgreSQL tables: create ahead, empty the default, detach and archive.

Migration 0049 partitions declaration events and audit records by month (UTC). `maintain` keeps a
partition for this month and the next `ahead` ones, and moves any row that landed in the default
partition (a time outside every partition: old data, a clock far ahead) into a partition of its own
month, so that a query naming a period reads only that period's partitions. `detach_before` detaches
the months before a date from the live table and moves them to the `archive` schema, where they stay
readable until dumped (`pg_dump -t archive.<name>`) and dropped. The audit trail is never detached:
its chain is verified from the first record. Everything here is a no-op on SQLite.

Run by the worker (`jobs()`, hourly) or from cron: `python -m clearway.partitions maintain`.
"""

from __future__ import annotations

import argparse
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from clearway.db import get_engine
from clearway.jobs import Job

log = logging.getLogger("clearway.partitions")
TABLES = {"declaration_events": "at", "audit_records": "at"}  # table -> partition key (migration 0049)
DETACHABLE = ("declaration_events",)  # the audit chain is verified from its first record: it stays whole
ARCHIVE_SCHEMA = "archive"
AHEAD = 3
_NAME = re.compile(r"^(?P<table>[a-z_]+)_p(?P<year>\d{4})_(?P<month>\d{2})$")


class PartitionError(ValueError):
    """A partition operation the tables do not allow (a table not partitioned, the audit trail detached)."""


@dataclass(frozen=True)
class Partition:
    """One monthly partition of a table."""

    table: str
    name: str
    month: date


def month_start(day: date) -> date:
    """The first day of the month of `day`."""
    return day.replace(day=1)


def month_after(month: date) -> date:
    """The first day of the month after `month`."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def partitioned(conn: Connection, table: str) -> bool:
    """True when `table` is a partitioned table on this PostgreSQL database."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.scalar(text("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}))


def partitions(conn: Connection, table: str) -> list[Partition]:
    """The monthly partitions attached to `table`, oldest first (the default partition is not one)."""
    names = conn.scalars(text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                              "WHERE i.inhparent = to_regclass(:t)"), {"t": table})
    out = []
    for name in names:
        match = _NAME.match(name)
        if match and match["table"] == table:
            out.append(Partition(table, name, date(int(match["year"]), int(match["month"]), 1)))
    return sorted(out, key=lambda p: p.month)


def _create(conn: Connection, table: str, key: str, month: date) -> str:
    """Make the partition of `month`, taking its rows out of the default partition first when it has any."""
    name = f"{table}_p{month:%Y_%m}"
    lo, hi = _bound(month), _bound(month_after(month))
    default = f"{table}_default"
    waiting = conn.scalar(text(f'SELECT count(*) FROM "{default}" WHERE {key} >= {lo} AND {key} < {hi}'))
    if not waiting:
        conn.execute(text(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM ({lo}) TO ({hi})'))
        return name
    # Rows in the default partition for this month: move them, then attach (which checks none are left).
    conn.execute(text(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'))
    conn.execute(text(f'WITH moved AS (DELETE FROM "{default}" WHERE {key} >= {lo} AND {key} < {hi} RETURNING *) '
                      f'INSERT INTO "{name}" SELECT * FROM moved'))
    conn.execute(text(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES FROM ({lo}) TO ({hi})'))
    log.info("partition %s created with %s rows from %s", name, waiting, default)
    return name


def maintain(conn: Connection, *, today: date, ahead: int = AHEAD) -> list[str]:
    """Create this month's and the next `ahead` months' partitions and empty the default ones; the names made."""
    made: list[str] = []
    for table, key in TABLES.items():
        if not partitioned(conn, table):
            continue
        have = {p.month for p in partitions(conn, table)}
        wanted = [month_start(today)]
        for _ in range(ahead):
            wanted.append(month_after(wanted[-1]))
        stray = conn.scalars(text(f"SELECT DISTINCT CAST(date_trunc('month', {key} AT TIME ZONE 'UTC') AS date) "
                                  f'FROM "{table}_default"'))
        for month in sorted(set(wanted) | set(stray)):
            if month not in have:
                made.append(_create(conn, table, key, month))
    return made


def detach_before(conn: Connection, table: str, before: date) -> list[str]:
    """Detach the partitions of `table` whose month ends on or before `before` into the archive schema."""
    if table not in DETACHABLE:
        raise PartitionError(f"{table} cannot be detached (detachable: {', '.join(DETACHABLE)})")
    if not partitioned(conn, table):
        raise PartitionError(f"{table} is not partitioned on this database")
    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{ARCHIVE_SCHEMA}"'))
    done = []
    for part in partitions(conn, table):
        if month_after(part.month) <= before:
            conn.execute(text(f'ALTER TABLE "{table}" DETACH PARTITION "{part.name}"'))
            conn.execute(text(f'ALTER TABLE "{part.name}" SET SCHEMA "{ARCHIVE_SCHEMA}"'))
            done.append(f"{ARCHIVE_SCHEMA}.{part.name}")
    return done


def maintain_engine(engine: Engine, *, today: date | None = None) -> list[str]:
    """`maintain` in its own transaction (a no-op off PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.begin() as conn:
        return maintain(conn, today=today or datetime.now(UTC).date())


def maintain_job(ctx: Any) -> int:
    """Worker pass: create partitions ahead and empty the default ones; how many partitions were made."""
    engine = ctx.sessions.kw["bind"]
    return len(maintain_engine(engine))


def jobs() -> list[Job]:
    """The partition maintenance job, hourly (creating a month ahead takes milliseconds)."""
    return [Job("partitions", 3600.0, maintain_job)]


def main(argv: list[str] | None = None) -> int:
    """`python -m clearway.partitions maintain | detach TABLE BEFORE | list TABLE` on CLEARWAY_DATABASE_URL."""
    parser = argparse.ArgumentParser(prog="python -m clearway.partitions", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("maintain", help="create partitions ahead and empty the default partitions")
    detach = sub.add_parser("detach", help="detach months before a date into the archive schema")
    detach.add_argument("table", choices=DETACHABLE)
    detach.add_argument("before", type=date.fromisoformat, help="first day kept, e.g. 2024-01-01")
    listing = sub.add_parser("list", help="the monthly partitions of a table")
    listing.add_argument("table", choices=sorted(TABLES))
    args = parser.parse_args(argv)
    engine = get_engine()
    if args.command == "maintain":
        for name in maintain_engine(engine):
            print(f"created {name}")
        return 0
    with engine.begin() as conn:
        if args.command == "detach":
            for name in detach_before(conn, args.table, args.before):
                print(f"detached {name}")
        else:
            for part in partitions(conn, args.table):
                print(f"{part.name}\t{part.month:%Y-%m}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
