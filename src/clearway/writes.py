"""Write a row and the rows that hang off it in one database round trip where possible.

Lodging a declaration writes the declaration, its events, an audit record, its duty assessment
with its lines, and (for a retried request) an idempotency record. On PostgreSQL these become one
statement — data-modifying CTEs chained through RETURNING id — sent through the driver with SQL
cached per shape. Other databases (SQLite) run the same inserts one by one through SQLAlchemy
Core, which is cheap there because the database is in-process.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import orjson
from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.dialects import postgresql

_PG = postgresql.dialect()


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


def _sql_type(table: Table, column: str) -> str:
    # The length or precision is dropped so the column's own assignment rules apply (an explicit
    # CAST to VARCHAR(n) would silently truncate instead of refusing).
    return re.sub(r"\(.*?\)", "", table.c[column].type.compile(dialect=_PG))


def _value(table: Table, column: str, value: Any) -> Any:
    # JSON travels as text and is cast on the server, so the driver needs no adapter for it.
    return orjson.dumps(value).decode() if isinstance(table.c[column].type, JSON) else value


def _params(groups: Sequence[Rows]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for k, group in enumerate(groups):
        for column, value in group.rows[0].items():
            if not isinstance(value, IdOf):
                params[f"g{k}_{column}"] = [_value(group.table, column, r[column]) for r in group.rows]
    return params


@lru_cache(maxsize=64)
def _sql(shapes: tuple[Shape, ...], tables: tuple[Table, ...]) -> str:
    # Each column travels as one array parameter (unnest), so the statement keeps few parameters
    # and a fixed text whatever the number of rows: the driver caches and prepares it.
    parts = []
    for k, ((name, label, columns), table) in enumerate(zip(shapes, tables, strict=True)):
        plain = [c for c, ref in columns if ref is None]
        refs = sorted({ref for _, ref in columns if ref is not None})
        unnest = ", ".join(f"CAST(%(g{k}_{c})s AS {_sql_type(table, c)}[])" for c in plain)
        picks = ", ".join(f"{ref}.id" if ref else f"u.{c}" for c, ref in columns)
        sources = ", ".join([*refs, f"unnest({unnest}) AS u({', '.join(plain)})"])
        returning = " RETURNING id" if label else ""
        cte = label or f"g{k}"
        parts.append(f'{cte} AS (INSERT INTO "{name}" ({", ".join(c for c, _ in columns)}) '
                     f"SELECT {picks} FROM {sources}{returning})")
    return "WITH " + ", ".join(parts) + " SELECT id FROM p"


def _insert_family_pg(conn: Connection, groups: Sequence[Rows]) -> int:
    sql = _sql(tuple(_shape(g) for g in groups), tuple(g.table for g in groups))
    return int(conn.exec_driver_sql(sql, _params(groups)).scalar_one())
