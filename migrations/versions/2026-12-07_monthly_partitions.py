"""PostgreSQL: declaration events and audit records partitioned by month (native range partitioning).

Works on an existing database: each table is renamed aside, recreated as a partitioned table with the
same columns, defaults and sequence, given one partition per month that holds rows and per month from
this one to three ahead, plus a default partition (an insert never fails for want of a partition; the
maintenance job, `clearway.partitions`, moves such rows into their month), refilled, and given back its
indexes and foreign keys under their old names. A unique key must contain the partition key, so the
primary keys become (id, at) and the audit chain's unique seq becomes (seq, at): ids still come from
the one sequence, and seq from the chain head under its lock, whose verification also fails on any
repeated seq. No-op on SQLite.

Not partitioned: declarations (some thirty tables hold foreign keys to declarations.id, which a
partitioned declarations table could only keep as (id, lodged_at)), and notifications (the pull feed's
guarantees, one seq per organisation and one notification per event and organisation, are unique
constraints that would hold only within a month; deliveries hold a foreign key to notifications.id).

The copy holds an exclusive lock on each table while it runs: on a large database, run it in a
maintenance window (about a minute per ten million events on two cores).

Revision ID: 0049
Revises: 0048
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None

# table -> partition key; the key must be NOT NULL and never updated (a row would move partitions).
TABLES = {"declaration_events": "at", "audit_records": "at"}
AHEAD = 3  # months created ahead of the current one


def _months(first: date, last: date) -> list[date]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _partition(conn: sa.Connection, table: str, month: date) -> None:
    name = f"{table}_p{month:%Y_%m}"
    lo, hi = f"'{month.isoformat()} 00:00:00+00'", f"'{_next(month).isoformat()} 00:00:00+00'"
    conn.execute(sa.text(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM ({lo}) TO ({hi})'))


def _convert(conn: sa.Connection, table: str, key: str) -> None:
    old = f"{table}_unpartitioned"
    indexes = conn.execute(sa.text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass))"),
        {"t": table}).all()
    constraints = conn.execute(sa.text(
        "SELECT conname, contype, pg_get_constraintdef(oid) AS def, "
        "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey)) AS cols "
        "FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f') ORDER BY contype"),
        {"t": table}).all()
    sequences = conn.execute(sa.text(
        "SELECT a.attname, pg_get_serial_sequence(:t, a.attname) AS seq FROM pg_attribute a "
        "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(:t, a.attname) IS NOT NULL"), {"t": table}).all()
    months = [row[0] for row in conn.execute(sa.text(
        f"SELECT DISTINCT CAST(date_trunc('month', {key} AT TIME ZONE 'UTC') AS date) FROM \"{table}\""))]

    conn.execute(sa.text(f'ALTER TABLE "{table}" RENAME TO "{old}"'))
    conn.execute(sa.text(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                         f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({key})"))
    today = datetime.now(UTC).date().replace(day=1)
    ahead = _months(today, date(today.year + (today.month + AHEAD - 1) // 12, (today.month + AHEAD - 1) % 12 + 1, 1))
    for month in sorted(set(months) | set(ahead)):
        _partition(conn, table, month)
    conn.execute(sa.text(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT'))
    conn.execute(sa.text(f'INSERT INTO "{table}" SELECT * FROM "{old}"'))
    conn.execute(sa.text(f'ANALYZE "{table}"'))
    for column, sequence in sequences:
        conn.execute(sa.text(f'ALTER SEQUENCE {sequence} OWNED BY "{table}"."{column}"'))
    conn.execute(sa.text(f'DROP TABLE "{old}"'))  # fails, and rolls all back, if anything still refers to it
    for name, kind, definition, cols in constraints:
        if kind == "f":
            conn.execute(sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
        else:
            columns = [*cols, *([] if key in cols else [key])]
            what = "PRIMARY KEY" if kind == "p" else "UNIQUE"
            conn.execute(sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {what} '
                                 f"({', '.join(f'{c}' for c in columns)})"))
    for _name, definition in indexes:
        conn.execute(sa.text(definition.replace(f" ON {old} ", f" ON {table} ")
                             .replace(f" ON public.{old} ", f" ON public.{table} ")))


def _is_partitioned(conn: sa.Connection, table: str) -> bool:
    return bool(conn.scalar(sa.text("SELECT relkind = 'p' FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                            {"t": table}))


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table, key in TABLES.items():
        if not _is_partitioned(conn, table):
            _convert(conn, table, key)


def _unconvert(conn: sa.Connection, table: str, key: str) -> None:
    old = f"{table}_partitioned"
    constraints = conn.execute(sa.text(
        "SELECT conname, contype, pg_get_constraintdef(oid) AS def, "
        "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey)) AS cols "
        "FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f') "
        "AND conparentid = 0 ORDER BY contype"), {"t": table}).all()
    indexes = conn.execute(sa.text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass))"),
        {"t": table}).all()
    sequences = conn.execute(sa.text(
        "SELECT a.attname, pg_get_serial_sequence(:t, a.attname) FROM pg_attribute a "
        "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(:t, a.attname) IS NOT NULL"), {"t": table}).all()
    conn.execute(sa.text(f'ALTER TABLE "{table}" RENAME TO "{old}"'))
    conn.execute(sa.text(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                         "INCLUDING STORAGE INCLUDING COMMENTS)"))
    conn.execute(sa.text(f'INSERT INTO "{table}" SELECT * FROM "{old}"'))
    for column, sequence in sequences:
        conn.execute(sa.text(f'ALTER SEQUENCE {sequence} OWNED BY "{table}"."{column}"'))
    conn.execute(sa.text(f'DROP TABLE "{old}" CASCADE'))
    for name, kind, definition, cols in constraints:
        if kind == "f":
            conn.execute(sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
        else:
            columns = [c for c in cols if c != key] or list(cols)
            what = "PRIMARY KEY" if kind == "p" else "UNIQUE"
            conn.execute(sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {what} ({", ".join(columns)})'))
    for _name, definition in indexes:
        conn.execute(sa.text(definition.replace(" ONLY ", " ").replace(f" ON {old} ", f" ON {table} ")
                             .replace(f" ON public.{old} ", f" ON public.{table} ")))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table, key in TABLES.items():
        if _is_partitioned(conn, table):
            _unconvert(conn, table, key)
