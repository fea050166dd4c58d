"""Performance services: the reports dashboards, the API and the public portal read.

Keyword-only functions; the caller owns the transaction. Each report first folds new events
into the timelines (cheap when nothing changed), so figures are never older than the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from clearway.performance import anomalies, timelines
from clearway.performance.effectiveness import Effectiveness, effectiveness
from clearway.performance.filters import DIMENSIONS, EARLIEST, LATEST, Filters, last_year, where_sql
from clearway.performance.milestones import HEADLINE, INTERVAL_BY_NAME
from clearway.performance.outcomes import outcomes_load
from clearway.performance.releases import IntervalStats, release_stats
from clearway.performance.rollup_read import rollup_counts, rollup_distribution, selection_size
from clearway.performance.settings import performance_settings
from clearway.tariff.revenue import REVENUE_KINDS, revenue_summary

# Upper bounds (seconds) of the release-time distribution's bars; the last bar is open-ended.
BUCKETS = (60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600)


@dataclass
class ReleaseReport:
    """Interval statistics by a grouping, with the anomaly counts of the same selection."""

    by: tuple[str, ...]
    stats: list[IntervalStats]
    timelines: int
    anomalies: list[anomalies.CheckCount]


@dataclass(frozen=True)
class RevenueRow:
    """Assessed, collected and adjusted revenue of one office, month, tax and currency."""

    office: str
    period: str
    tax: str
    currency: str
    assessed: Any
    collected: Any
    adjusted: Any


def refresh(*, db: Session, now: datetime) -> None:
    """Bring the timelines up to the newest committed events (on a read replica the primary's worker does it)."""
    if db.info.get("read_replica"):
        return
    timelines.timelines_refresh(db=db, now=now)


def release_report(*, db: Session, filters: Filters, by: tuple[str, ...], now: datetime,
                   intervals: tuple[str, ...] | None = None) -> ReleaseReport:
    """Release-time statistics by `by`, with the anomalies (missing, out of order) of the selection."""
    refresh(db=db, now=now)
    stats = release_stats(db=db, filters=filters, by=by, now=now, intervals=intervals)
    total, counts = anomalies.anomaly_counts(db=db, filters=filters)
    return ReleaseReport(by=by, stats=stats, timelines=total, anomalies=counts)


def counts_by(*, db: Session, filters: Filters, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Declarations (timelines) per combination of timeline columns, e.g. ("period", "channel")."""
    if set(columns) <= set(DIMENSIONS) and _large(db, filters):
        return rollup_counts(db=db, filters=filters, columns=columns,
                             exact=lambda edge: _counts_exact(db, edge, columns))
    return _counts_exact(db, filters, columns)


def _counts_exact(db: Session, filters: Filters, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    where, params = where_sql(filters)
    cols = ", ".join(f"t.{c}" for c in columns)
    rows = db.execute(text(f"SELECT {cols}, COUNT(*) FROM performance_timelines t WHERE {where} "
                           f"GROUP BY {cols} ORDER BY {cols}"), params)
    return [tuple(r) for r in rows]


def _large(db: Session, filters: Filters) -> bool:
    """Whether a selection is read from the monthly rollups (see PerformanceSettings.exact_limit)."""
    return selection_size(db=db, filters=filters) > performance_settings().exact_limit


def distribution(*, db: Session, filters: Filters, interval: str = HEADLINE) -> list[tuple[int | None, int]]:
    """How many declarations fall in each duration bucket of an interval: (bucket upper bound, count)."""
    if _large(db, filters):
        return rollup_distribution(db=db, filters=filters, interval=interval, bounds=BUCKETS,
                                   exact=lambda edge: _distribution_exact(db, edge, interval))
    return _distribution_exact(db, filters, interval)


def _distribution_exact(db: Session, filters: Filters, interval: str) -> list[tuple[int | None, int]]:
    i = INTERVAL_BY_NAME[interval]
    where, params = where_sql(filters)
    x = f"(t.{i.end} - t.{i.start})"
    cases = " ".join(f"WHEN {x} < {bound} THEN {n}" for n, bound in enumerate(BUCKETS))
    sql = (f"SELECT CASE {cases} ELSE {len(BUCKETS)} END AS b, COUNT(*) FROM performance_timelines t "
           f"WHERE {where} AND t.{i.start} IS NOT NULL AND t.{i.end} IS NOT NULL AND {x} >= 0 GROUP BY b")
    rows: dict[int, int] = dict(db.execute(text(sql), params).tuples().all())
    return [(BUCKETS[n] if n < len(BUCKETS) else None, int(rows.get(n, 0))) for n in range(len(BUCKETS) + 1)]


def revenue_report(*, db: Session, filters: Filters) -> list[RevenueRow]:
    """Revenue by office, month, tax and currency, from the tariff domain's revenue records."""
    cells: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for total in revenue_summary(db=db, date_from=filters.date_from or EARLIEST, date_to=filters.date_to or LATEST,
                                 office=filters.office):
        row = cells.setdefault((total.office, total.period, total.tax, total.currency), {k: 0 for k in REVENUE_KINDS})
        row[total.kind] = total.amount
    return [RevenueRow(*key, **values) for key, values in sorted(cells.items())]


def effectiveness_report(*, db: Session, filters: Filters, now: datetime) -> Effectiveness | None:
    """Control effectiveness from control outcomes, or None while the controls domain provides none."""
    refresh(db=db, now=now)
    outcomes = outcomes_load(db=db, filters=filters)
    if outcomes is None:
        return None
    by_channel = {str(c): int(n) for c, n in counts_by(db=db, filters=filters, columns=("channel",))}
    by_period = {str(p): int(n) for p, n in counts_by(db=db, filters=filters, columns=("period",))}
    return effectiveness(outcomes, by_channel, by_period)


def default_period(today: date) -> Filters:
    """The dashboards' default selection: the last twelve months."""
    return last_year(today)
