"""Write a row and the rows that hang off it in one database round trip where possible.

Lodging a declaration writes the declaration, its events, an audit record, its duty assessment
with its lines, and (for a retried request) an idempotency record. On PostgreSQL these become one
statement — data-modifying CTEs chained through RETURNING id — sent through the driver with SQL
cached per shape. Other databases (SQLite) run the same inserts one by one through SQLAlchemy
Core, which is cheap there because the database is in-process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Table, event, insert
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class IdOf:
    """A value standing for the new id of the named single-row group written before this one."""

    name: str


PARENT_ID = IdOf("p")  # the first group's id


@dataclass(frozen=True)
class Rows:
    """Rows for one table; `name` lets later groups refer to this (single) row's id with IdOf."""

    table: Table
    rows: Sequence[dict[str, Any]]
    name: str | None = None

    @classmethod
    def of(cls, model: type[Any], rows: Sequence[dict[str, Any]], name: str | None = None) -> Rows:
        """Rows for a mapped class's table."""
        return cls(cast(Table, model.__table__), rows, name)


def insert_family(conn: Connection, parent: Rows, children: Sequence[Rows]) -> int:
    """Insert one parent row and the groups that follow it, in order; returns the parent's id."""
    groups = [Rows(parent.table, parent.rows, "p"), *(c for c in children if c.rows)]
    if conn.dialect.name == "postgresql":
        return _insert_family_pg(conn, groups)
    ids: dict[str, int] = {}
    for group in groups:
        rows = [{k: (ids[v.name] if isinstance(v, IdOf) else v) for k, v in r.items()} for r in group.rows]
        if group.name:
            (row,) = rows
            ids[group.name] = int(conn.execute(insert(group.table).returning(group.table.c.id), row).scalar_one())
        else:
            conn.execute(insert(group.table), rows)
    return ids["p"]


Shape = tuple[str, str | None, tuple[tuple[str, str | None], ...]]


def _shape(group: Rows) -> Shape:
    first = group.rows[0]
    columns = tuple((c, v.name if isinstance(v, IdOf) else None) for c, v in first.items())
    return group.table.name, group.name, columns


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)  # exact: numeric columns parse the text, no float on the way
    raise TypeError(f"cannot store {type(value).__name__} through insert_family")


def _params(groups: Sequence[Rows]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for k, group in enumerate(groups):
        rows = [{c: v for c, v in r.items() if not isinstance(v, IdOf)} for r in group.rows]
        params[f"g{k}"] = orjson.dumps(rows, default=_json_default).decode()
    return params


@lru_cache(maxsize=64)
def _sql(shapes: tuple[Shape, ...], final: str = "SELECT id FROM p") -> str:
    # Each group travels as ONE json parameter turned back into rows of the table's own row type
    # (json_populate_recordset): the server converts and checks every value with the column's
    # input rules (a too-long string is refused, never cut), the statement text is fixed per
    # shape and has one parameter per group, so the driver caches and prepares it.
    parts = []
    for k, (name, label, columns) in enumerate(shapes):
        refs = sorted({ref for _, ref in columns if ref is not None})
        picks = ", ".join(f"{ref}.id" if ref else f'r."{c}"' for c, ref in columns)
        sources = ", ".join([*refs, f'json_populate_recordset(NULL::"{name}", %(g{k})s::json) AS r'])
        returning = " RETURNING id" if label else ""
        parts.append(f'{label or f"g{k}"} AS (INSERT INTO "{name}" ({", ".join(c for c, _ in columns)}) '
                     f"SELECT {picks} FROM {sources}{returning})")
    return "WITH " + ", ".join(parts) + " " + final


def _insert_family_pg(conn: Connection, groups: Sequence[Rows]) -> int:
    sql = _sql(tuple(_shape(g) for g in groups))
    return int(conn.exec_driver_sql(sql, _params(groups)).scalar_one())


def insert_groups(conn: Connection, groups: Sequence[Rows]) -> None:
    """Insert groups of rows that refer to no new id, in order (one statement on PostgreSQL)."""
    groups = [g for g in groups if g.rows]
    if not groups:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_sql(tuple(_shape(g) for g in groups), "SELECT 1"), _params(groups))
        return
    for group in groups:
        conn.execute(insert(group.table), list(group.rows))


# Rows a step may leave to the transaction's last write (the request's idempotency record, or the commit): the
# timeline notes of a lodgement, so they cost no round trip of their own. Still in the same transaction.
_DEFERRED = "writes.deferred"


def rows_defer(db: Session, groups: Sequence[Rows]) -> None:
    """Write these rows with the transaction's last write (`deferred_take`), at the latest just before commit."""
    transaction = db.get_transaction()
    held: tuple[Any, list[Rows]] | None = db.info.get(_DEFERRED)
    if held is None or held[0] is not transaction:
        held = db.info[_DEFERRED] = (transaction, [])
    held[1].extend(g for g in groups if g.rows)


def deferred_take(db: Session) -> list[Rows]:
    """The rows deferred in this transaction, handed to the caller that writes them now."""
    held = db.info.pop(_DEFERRED, None)
    return held[1] if held is not None and held[0] is db.get_transaction() else []


@event.listens_for(Session, "before_commit")
def _deferred_write(session: Session) -> None:
    if _DEFERRED in session.info:
        insert_groups(session.connection(), deferred_take(session))


@event.listens_for(Session, "after_rollback")
def _deferred_drop(session: Session) -> None:
    session.info.pop(_DEFERRED, None)
