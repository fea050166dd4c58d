"""Keeping `performance_timelines` in step with `declaration_events`, in SQL.

Every change to a declaration writes an event (lodging, amendment, control step, decision), so
a declaration whose newest event is newer than its timeline row is recomputed from all of its
events: one conditional-aggregation pivot (first time of each milestone), joined to the
declaration for its dimensions, upserted. Reports read the timelines, or for large selections
the monthly rollups (rollup.py), which each refresh updates with the same changed timelines.

Incremental refresh follows the event id watermark. Ids are handed out at insert but become
visible at commit, so a transaction that commits late can land below the watermark: each
refresh therefore re-reads the last LOOKBACK ids and recomputes any declaration whose newest
event id differs from its row. A full rebuild (`timelines_rebuild`, or
`clearway performance rebuild`) reconciles everything, e.g. after a bulk load.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from clearway.declarations.exercises import EXERCISE_DECLARANTS
from clearway.performance.hours import office_hours
from clearway.performance.milestones import MILESTONE_KINDS, MILESTONES
from clearway.performance.models import PerformanceState
from clearway.performance.releases import pg_tune
from clearway.performance.rollup import hours_digest, rollup_apply, rollup_rebuild, timelines_frame

LOOKBACK = 10_000
# The exercise codes as SQL literals (fixed letters and digits, never user input).
_EXERCISES = ", ".join(f"'{code}'" for code in EXERCISE_DECLARANTS)
CHUNK = 5_000  # declarations per upsert statement (SQLite allows 32,766 bound parameters)
REBUILD_ABOVE = 200_000  # a backlog this large (a bulk load) is cheaper to rebuild in one statement
COLUMNS = ("declaration_id", "office", "channel", "mode", "aeo", "declarant", "period", "lodged_on",
           *MILESTONES, "last_event_id")


def _is_pg(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _dialect_parts(pg: bool) -> dict[str, str]:
    """SQL fragments that differ between PostgreSQL and SQLite (timestamps are UTC on both)."""
    if pg:
        return {
            # date_part is double precision (EXTRACT is numeric, several times slower); floor() truncates
            # fractional seconds as SQLite's strftime('%s') does, so both backends agree to the second.
            "epoch": "CAST(FLOOR(date_part('epoch', {})) AS BIGINT)",
            "mode": "j.tr ->> 'mode'",
            "arrival": "CAST(FLOOR(date_part('epoch', CAST(j.tr ->> 'arrival' AS TIMESTAMPTZ))) AS BIGINT)",
            # The document is scanned once for its transport object, mode and arrival come from that
            # (OFFSET 0 keeps the planner from inlining the subquery, which would scan it twice).
            "lateral": "CROSS JOIN LATERAL (SELECT d.document -> 'transport' AS tr OFFSET 0) j",
            "period": "to_char(d.lodged_at AT TIME ZONE 'UTC', 'YYYY-MM')",
            "false": "false",
        }
    return {
        "epoch": "CAST(strftime('%s', {}) AS INTEGER)",
        "mode": "json_extract(d.document, '$.transport.mode')",
        "arrival": "CAST(strftime('%s', json_extract(d.document, '$.transport.arrival')) AS INTEGER)",
        "period": "substr(d.lodged_at, 1, 7)",
        "false": "0",
        "lateral": "",
    }


def pivot_sql(pg: bool, scope: str, upsert: bool = True) -> str:
    """INSERT … SELECT that (re)computes the timelines of the declarations `scope` selects (an upsert unless
    the table was just emptied)."""
    p = _dialect_parts(pg)
    firsts = ",\n  ".join(
        f"MIN(CASE WHEN e.kind IN ({', '.join(repr(k) for k in kinds)}) THEN e.at END) AS {name}"
        for name, kinds in MILESTONE_KINDS.items())
    epochs = ", ".join(p["epoch"].format(f"ev.{name}") for name in MILESTONE_KINDS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    conflict = f"ON CONFLICT (declaration_id) DO UPDATE SET {updates}" if upsert else ""
    # The WHERE before ON CONFLICT is required by SQLite's parser for INSERT … SELECT … upserts.
    return f"""
INSERT INTO performance_timelines ({', '.join(COLUMNS)})
SELECT d.id, d.office, d.channel, {p['mode']}, COALESCE(o.aeo, {p['false']}), d.declarant_id, {p['period']},
  {p['epoch'].format('d.lodged_at')}, {p['arrival']}, {epochs}, ev.last_event_id
FROM (
  SELECT e.declaration_id,
  {firsts},
  MAX(e.id) AS last_event_id
  FROM declaration_events e WHERE {scope} GROUP BY e.declaration_id
) ev
JOIN declarations d ON d.id = ev.declaration_id {p['lateral']}
LEFT JOIN organisations o ON o.code = d.declarant_id
WHERE true
AND d.declarant_id NOT IN ({_EXERCISES}) -- projected training tests stand for no goods
{conflict}"""


def _state(db: Session, now: datetime) -> PerformanceState:
    state = db.get(PerformanceState, 1, with_for_update=True)
    if state is None:
        state = PerformanceState(id=1, last_event_id=0, refreshed_at=now)
        db.add(state)
        db.flush()
    return state


def _prepare(db: Session) -> bool:
    pg = _is_pg(db)
    if pg:  # naive arrival times in a document are read as UTC, whatever the server's zone
        db.execute(text("SET LOCAL TIME ZONE 'UTC'"))
        pg_tune(db)
    return pg


# Declarations with an event in the window newer than their timeline. The scalar subquery is a
# primary-key lookup per declaration; as a join the planner prefers scanning every timeline.
_CHANGED = text("""SELECT x.declaration_id FROM (
    SELECT declaration_id, MAX(id) AS newest FROM declaration_events
    WHERE id > :floor AND id <= :newest GROUP BY declaration_id) x
  WHERE x.newest > COALESCE((SELECT t.last_event_id FROM performance_timelines t
                             WHERE t.declaration_id = x.declaration_id), 0)""")


def timelines_refresh(*, db: Session, now: datetime, lookback: int = LOOKBACK) -> int:
    """Fold events newer than the watermark (and the last `lookback` ids) into timelines; returns the watermark."""
    pg = _prepare(db)
    state = _state(db, now)
    newest = db.execute(text("SELECT MAX(id) FROM declaration_events")).scalar() or 0
    floor = max(0, state.last_event_id - lookback)
    # The ids first: an IN (subquery) lets the planner scan every event even when nothing changed.
    changed = list(db.execute(_CHANGED, {"floor": floor, "newest": newest}).scalars())
    if len(changed) > REBUILD_ABOVE:
        timelines_rebuild(db=db, now=now)
        return state.last_event_id
    pivot = text(pivot_sql(pg, "e.declaration_id IN :ids")).bindparams(bindparam("ids", expanding=True))
    hours = office_hours(now)
    current = state.rollup_digest == hours_digest(hours)
    folded = []
    for start in range(0, len(changed), CHUNK):
        ids = {"ids": changed[start:start + CHUNK]}
        # Each changed timeline leaves the rollups as it was (−1) and enters them as it is now (+1).
        if current:
            folded.append(timelines_frame(db, "t.declaration_id IN :ids", ids, weight=-1))
        db.execute(pivot, ids)
        if current:
            folded.append(timelines_frame(db, "t.declaration_id IN :ids", ids, weight=1))
    if not current:  # new opening hours (or rollups never built): every outside-hours sum changes
        rollup_rebuild(db=db, hours=hours)
        state.rollup_digest = hours_digest(hours)
    elif folded:
        rollup_apply(db=db, frame=pd.concat(folded, ignore_index=True), hours=hours)
    state.last_event_id, state.refreshed_at = newest, now
    db.flush()
    return newest


def timelines_rebuild(*, db: Session, now: datetime, step: Callable[[str], None] = lambda _name: None) -> int:
    """Recompute every timeline and rollup from all events; returns the number of timelines.

    `step` is told the name of each phase as it starts (a progress display)."""
    step("timelines")
    pg = _prepare(db)
    state = _state(db, now)
    newest = db.execute(text("SELECT MAX(id) FROM declaration_events")).scalar() or 0
    # TRUNCATE is transactional on PostgreSQL and skips a million index deletions.
    db.execute(text("TRUNCATE performance_timelines" if pg else "DELETE FROM performance_timelines"))
    db.execute(text(pivot_sql(pg, "e.id <= :newest", upsert=False)), {"newest": newest})
    # Fresh statistics, or the planner guesses the new table is empty and scans it whole on every refresh.
    step("statistics")
    db.execute(text("ANALYZE performance_timelines"))
    step("rollups")
    hours = office_hours(now)
    rollup_rebuild(db=db, hours=hours)
    state.rollup_digest = hours_digest(hours)
    state.last_event_id, state.refreshed_at = newest, now
    db.flush()
    return int(db.execute(text("SELECT COUNT(*) FROM performance_timelines")).scalar() or 0)
