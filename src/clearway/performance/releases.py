"""Release-time statistics in SQL: count, mean, median, p90, p95 and time outside opening hours.

One pass over the timelines, one row per group: every interval is a column expression (a
subtraction of epoch seconds), so the table is read once whatever the number of intervals.
PostgreSQL computes percentiles with `percentile_cont`. SQLite has none: it sorts each
interval's values (in C) and Python streams through them once, keeping only the two values
around each percentile position; the interpolation is percentile_cont's, so both backends
give the same figures.

That exact pass serves selections of up to PerformanceSettings.exact_limit timelines; larger
ones add up the monthly rollups instead (rollup_read.py: same counts, means and out-of-order
counts, percentiles within 0.5 %), which keeps a national report under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from clearway.performance.filters import DIMENSIONS, Filters, where_sql
from clearway.performance.hours import hours_cte, office_hours, open_clock_sql
from clearway.performance.milestones import INTERVAL_BY_NAME, INTERVALS, Interval
from clearway.performance.rollup_read import rollup_stats, selection_size
from clearway.performance.settings import performance_settings

PERCENTS = (50, 90, 95)
Key = tuple[str, tuple[Any, ...]]  # (interval name, group values)


@dataclass
class IntervalStats:
    """Statistics of one interval in one group; durations in seconds."""

    interval: str
    group: dict[str, Any]
    count: int
    mean: float | None
    median: float | None = None
    p90: float | None = None
    p95: float | None = None
    outside_hours_mean: float | None = None
    out_of_order: int = 0
    percentiles: dict[int, float] = field(default_factory=dict, repr=False)


def _chosen(names: tuple[str, ...] | None) -> tuple[Interval, ...]:
    return INTERVALS if names is None else tuple(INTERVAL_BY_NAME[n] for n in names)


def _open_clock(milestones: list[str], pg: bool) -> str:
    """F(t) of each milestone (open seconds since the epoch, hours.py), computed once per row."""
    return ", ".join(f"{open_clock_sql(f't.{m}', pg)} AS f_{m}" for m in milestones)


def _inner_sql(intervals: tuple[Interval, ...], by: tuple[str, ...], where: str, pg: bool) -> str:
    """One row per timeline: its dimensions and, per interval k, x{k} (duration), o{k} (outside hours), b{k}.

    Each value is computed once per row: the aggregates only read columns. On PostgreSQL, OFFSET 0
    keeps the planner from pulling the subqueries up, which would repeat every expression in
    each aggregate that uses it."""
    milestones = sorted({m for i in intervals for m in (i.start, i.end)})
    fence = " OFFSET 0" if pg else ""
    clocks = (f"SELECT {''.join(f'{DIMENSIONS[d]} AS {d}, ' for d in by)}"
              f"{', '.join(f't.{m} AS {m}' for m in milestones)}, {_open_clock(milestones, pg)} "
              f"FROM performance_timelines t LEFT JOIN hours h ON h.office = t.office WHERE {where}{fence}")
    columns = [d for d in by]
    for k, i in enumerate(intervals):
        columns.append(f"{_duration(i)} AS x{k}")
        columns.append(f"CASE WHEN {i.end} >= {i.start} THEN ({i.end} - {i.start}) - (f_{i.end} - f_{i.start}) "
                       f"END AS o{k}")
        columns.append(f"0 AS b{k}" if i.signed else f"CASE WHEN {i.end} < {i.start} THEN 1 ELSE 0 END AS b{k}")
    return f"SELECT {', '.join(columns)} FROM ({clocks}) c{fence}"


def _duration(i: Interval) -> str:
    ordered = "" if i.signed else f" AND {i.end} >= {i.start}"
    return f"CASE WHEN {i.start} IS NOT NULL AND {i.end} IS NOT NULL{ordered} THEN {i.end} - {i.start} END"


def _stats_sql(intervals: tuple[Interval, ...], by: tuple[str, ...], inner: str, pg: bool) -> str:
    """Wide aggregation: per group, for each interval k, n{k}, s{k} (sum), o{k} (outside hours), b{k}, p{k}."""
    columns = []
    for k in range(len(intervals)):
        columns.append(f"COUNT(x{k}) AS n{k}, SUM(x{k}) AS s{k}, AVG(o{k}) AS o{k}, SUM(b{k}) AS b{k}")
        if pg:
            columns.append(f"percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY x{k}) AS p{k}")
    group = f" GROUP BY {', '.join(by)}" if by else ""
    return f"SELECT {''.join(d + ', ' for d in by)}{', '.join(columns)} FROM ({inner}) s{group}"


def _sorted_sql(i: Interval, by: tuple[str, ...], where: str) -> str:
    """SQLite: one interval's values where it exists, with their group, in ascending order."""
    dims = "".join(f"{DIMENSIONS[d]}, " for d in by)
    ordered = "" if i.signed else f" AND t.{i.end} >= t.{i.start}"
    return (f"SELECT {dims}t.{i.end} - t.{i.start} AS x FROM performance_timelines t "
            f"WHERE {where} AND t.{i.start} IS NOT NULL AND t.{i.end} IS NOT NULL{ordered} ORDER BY x")


def _positions(n: int) -> set[int]:
    return {r for p in PERCENTS for r in (((n - 1) * p) // 100, ((n - 1) * p) // 100 + 1) if r < n}


def interpolate(ranked: dict[int, float], n: int, percent: int) -> float:
    """percentile_cont from the values at 0-based ranks: linear between floor and ceiling of (n − 1) × p."""
    low, rest = divmod((n - 1) * percent, 100)
    if rest == 0:
        return ranked[low]
    return ranked[low] + (ranked[low + 1] - ranked[low]) * rest / 100


def _sqlite_percentiles(db: Session, intervals: tuple[Interval, ...], by: tuple[str, ...], where: str,
                        params: dict[str, Any], sizes: dict[Key, int]) -> dict[Key, dict[int, float]]:
    """Stream each interval's sorted values once and keep only the ranks interpolation needs.

    SQLite sorts (in C); Python only counts. Window functions do the same work several times
    slower in SQLite, and percentile_cont does not exist there."""
    found: dict[Key, dict[int, float]] = {}
    cursor = db.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    for i in intervals:
        # Values arrive in ascending order (one integer sort key is the cheapest for SQLite); each
        # group counts its own ranks and keeps the values at the ranks it needs.
        ranks: dict[tuple[Any, ...], int] = {}
        wanted: dict[tuple[Any, ...], set[int]] = {}
        for row in cursor.execute(_sorted_sql(i, by, where), params):
            group = tuple(row[:-1])
            rank = ranks.get(group)
            if rank is None:
                rank, wanted[group] = 0, _positions(sizes.get((i.name, group), 0))
                found[(i.name, group)] = {}
            if rank in wanted[group]:
                found[(i.name, group)][rank] = float(row[-1])
            ranks[group] = rank + 1
    cursor.close()
    return {key: {p: interpolate(values, sizes[key], p) for p in PERCENTS} for key, values in found.items() if values}


def release_stats(*, db: Session, filters: Filters, by: tuple[str, ...] = (), now: datetime,
                  intervals: tuple[str, ...] | None = None) -> list[IntervalStats]:
    """Statistics of each interval per group of `by` dimensions, over timelines matching the filters.

    Large selections are read from the monthly rollups (percentiles within 0.5 %), small ones exactly."""
    chosen = _chosen(intervals)
    if selection_size(db=db, filters=filters) > performance_settings().exact_limit:
        return _from_rollups(db, filters, by, chosen, now)
    return exact_stats(db=db, filters=filters, by=by, now=now, intervals=chosen)


def _from_rollups(db: Session, filters: Filters, by: tuple[str, ...], chosen: tuple[Interval, ...],
                  now: datetime) -> list[IntervalStats]:
    found = rollup_stats(db=db, filters=filters, by=by, intervals=chosen, hours=office_hours(now), percents=PERCENTS)
    if "aeo" in by:
        at = by.index("aeo")
        found.values[at] = [None if v is None else bool(v) for v in found.values[at]]
    median, p90, p95 = (found.percentiles[p] for p in PERCENTS)
    result = []
    for g, (n, total, outside_n, outside_total, disorder) in enumerate(found.sums):
        if n == 0 and disorder == 0:
            continue
        pcts = {} if n == 0 else {50: median[g], 90: p90[g], 95: p95[g]}
        result.append(IntervalStats(
            interval=found.intervals[g], group={d: found.values[j][g] for j, d in enumerate(by)}, count=n,
            mean=total / n if n else None, median=pcts.get(50), p90=pcts.get(90), p95=pcts.get(95),
            outside_hours_mean=outside_total / outside_n if outside_n else None, out_of_order=disorder,
            percentiles=pcts))
    return result  # already in report order


def _sorted(result: list[IntervalStats], chosen: tuple[Interval, ...]) -> list[IntervalStats]:
    order = {i.name: k for k, i in enumerate(chosen)}
    result.sort(key=lambda s: (order[s.interval], tuple((v is None, str(v)) for v in s.group.values())))
    return result


def exact_stats(*, db: Session, filters: Filters, by: tuple[str, ...], now: datetime,
                intervals: tuple[Interval, ...]) -> list[IntervalStats]:
    """release_stats computed from every selected timeline, percentiles exact (percentile_cont)."""
    chosen = intervals
    pg = db.get_bind().dialect.name == "postgresql"
    if pg:
        pg_tune(db)
    where, params = where_sql(filters)
    with_clause = f"WITH {hours_cte(office_hours(now))} "
    inner = _inner_sql(chosen, by, where, pg)
    names = [i.name for i in chosen]
    rows = db.execute(text(with_clause + _stats_sql(chosen, by, inner, pg)), params).mappings().all()
    sizes = {(name, tuple(row[d] for d in by)): int(row[f"n{k}"] or 0) for row in rows for k, name in enumerate(names)}
    pcts = {} if pg else _sqlite_percentiles(db, chosen, by, where, params, sizes)
    result = []
    for row in rows:
        group_values = tuple(row[d] for d in by)
        group = {d: (bool(v) if d == "aeo" and v is not None else v) for d, v in zip(by, group_values, strict=True)}
        for k, name in enumerate(names):
            count, bad = int(row[f"n{k}"] or 0), int(row[f"b{k}"] or 0)
            if count == 0 and bad == 0:
                continue
            found = dict(zip(PERCENTS, row[f"p{k}"], strict=True)) if pg and row[f"p{k}"] else \
                pcts.get((name, group_values), {})
            result.append(IntervalStats(
                interval=name, group=group, count=count, mean=float(row[f"s{k}"]) / count if count else None,
                median=found.get(50), p90=found.get(90), p95=found.get(95),
                outside_hours_mean=_f(row[f"o{k}"]), out_of_order=bad, percentiles=found))
    return _sorted(result, chosen)


def pg_tune(db: Session) -> None:
    """For this transaction: no JIT (compiling these wide CASE expressions costs seconds and saves
    milliseconds) and enough memory to sort a year of intervals without spilling to disk."""
    db.execute(text("SET LOCAL jit = off"))
    db.execute(text("SET LOCAL work_mem = '64MB'"))


def _f(value: Any) -> float | None:
    return None if value is None else float(value)
