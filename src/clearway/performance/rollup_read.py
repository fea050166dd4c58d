"""The release-time report from rollups: whole months read stored cells, partial months their timelines.

Counts, means, time outside opening hours and out-of-order counts are exact (they are sums);
medians and percentiles come from merged histograms, within histograms.ALPHA of percentile_cont
over the same values. releases.release_stats uses this path when a selection spans more
timelines than PerformanceSettings.exact_limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from clearway.performance import histograms
from clearway.performance.filters import Filters, month_split, where_sql
from clearway.performance.hours import Hours
from clearway.performance.milestones import INTERVALS, Interval
from clearway.performance.rollup import STATS, K, delta_of, fetch_rows, rows_of, timelines_frame, unpack_cells

ROLLUP_DIMS = ("office", "channel", "mode", "aeo")


def _where(filters: Filters, whole: tuple[str | None, str | None]) -> tuple[str, dict[str, Any]]:
    """The WHERE clause over rollup rows or cells (alias r) of whole months and the dimension filters."""
    clauses, params = ["1 = 1"], {}
    for bound, op in zip(whole, (">=", "<="), strict=True):
        if bound is not None:
            name = "p_from" if op == ">=" else "p_to"
            clauses.append(f"r.period {op} :{name}")
            params[name] = bound
    for name in ROLLUP_DIMS:
        value = getattr(filters, name)
        if value is not None:
            clauses.append(f"r.{name} = :{name}")
            params[name] = value
    return " AND ".join(clauses), params


def selection_size(*, db: Session, filters: Filters) -> int:
    """Timelines in the months the selection touches (an upper bound of the selection), from the cells."""
    lo, hi = filters.date_from, filters.date_to
    where, params = _where(filters, (lo.strftime("%Y-%m") if lo else None, hi.strftime("%Y-%m") if hi else None))
    return int(db.execute(text(f"SELECT COALESCE(SUM(r.timelines), 0) FROM performance_cells r WHERE {where}"),
                          params).scalar() or 0)


def _fetch(db: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return fetch_rows(db, text(sql), params)


def _rows(db: Session, filters: Filters, by: tuple[str, ...], hours: list[Hours]
          ) -> tuple[pd.DataFrame, list[bytes], list[bytes]]:
    """Cells of the selection (their `by` dimensions), with packed sums and histograms: stored cells for
    whole months, cells computed from the timelines for partial months."""
    whole, edges = month_split(filters)
    columns = [*by, "stats", "hist"]
    found: list[tuple[Any, ...]] = []
    if whole is not None:
        where, params = _where(filters, whole)
        found += _fetch(db, f"SELECT {', '.join(f'r.{c}' for c in columns)} FROM performance_cells r WHERE {where}",
                        params)
    for edge in edges:
        where, params = where_sql(edge)
        frame = timelines_frame(db, where, params)
        if not frame.empty:
            found += [tuple(row[c] for c in columns) for row in rows_of(delta_of(frame, hours))]
    values = list(zip(*found, strict=True)) if found else [()] * len(columns)
    return (pd.DataFrame(dict(zip(by, values[:len(by)], strict=True)), index=range(len(found))),
            [bytes(b) for b in values[-2]], [bytes(b) for b in values[-1]])


@dataclass
class Grouped:
    """Per group (interval, then `by` values), in report order: column lists of labels, sums, percentiles."""

    intervals: list[str]
    values: list[list[Any]]  # one list per `by` dimension
    sums: list[list[int]]  # STATS per group
    percentiles: dict[int, list[float]]


def rollup_stats(*, db: Session, filters: Filters, by: tuple[str, ...], intervals: tuple[Interval, ...],
                 hours: list[Hours], percents: tuple[int, ...]) -> Grouped:
    """Per interval and group of `by`, in that order: group values, sums and percentiles."""
    rows, stats, hists = _rows(db, filters, by, hours)
    if not stats:  # (a frame without columns is "empty" whatever its length)
        return Grouped([], [[] for _ in by], [], {p: [] for p in percents})
    if "aeo" in by:
        rows["aeo"] = rows["aeo"].astype(bool)
    # Sorted groups of cells: each dimension ascending, missing values last (the exact report's order).
    cell_group = rows.groupby(list(by), dropna=False, sort=True).ngroup().to_numpy(np.int64) if by \
        else np.zeros(len(rows), dtype=np.int64)
    n_cells = int(cell_group.max()) + 1
    order = np.argsort(cell_group, kind="stable")
    sums_of_rows, entries, keys, counts = unpack_cells([stats[i] for i in order], [hists[i] for i in order])
    sums = np.zeros((n_cells, K, len(STATS)), dtype=np.int64)
    np.add.at(sums, cell_group[order], sums_of_rows)
    groups = cell_group[order][entries // K] * K + entries % K
    if n_cells != len(rows):  # several cells per group: add their histograms up
        groups, keys, counts = histograms.merge(groups, keys, counts, n_groups=n_cells * K)
    found = histograms.percentiles(groups, keys, counts, n_groups=n_cells * K, percents=percents)
    index = {i.name: k for k, i in enumerate(INTERVALS)}
    wanted = (np.array([index[i.name] for i in intervals])[:, None] + np.arange(n_cells)[None, :] * K).ravel()
    labels = rows.iloc[order].iloc[np.unique(cell_group[order], return_index=True)[1]]
    return Grouped([i.name for i in intervals for _ in range(n_cells)],
                   [[None if v is None or v != v else v for v in labels[d].tolist()] * len(intervals)  # NaN: missing
                    for d in by],
                   sums.reshape(-1, len(STATS))[wanted].tolist(), {p: found[p][wanted].tolist() for p in percents})


def rollup_checks(*, db: Session, filters: Filters, checks: int) -> tuple[int, np.ndarray] | None:
    """Timelines and per check (missing…, out of order…) counts over the whole months of the selection;
    None when the selection has no whole month (the caller counts the partial months itself)."""
    whole, _ = month_split(filters)
    if whole is None:
        return None
    where, params = _where(filters, whole)
    total, summed = 0, np.zeros(2 * checks, dtype=np.int64)
    for n, packed in _fetch(db, f"SELECT r.timelines, r.checks FROM performance_cells r WHERE {where}", params):
        total += int(n)
        summed += np.frombuffer(bytes(packed), dtype="<i8")
    return total, summed


def rollup_counts(*, db: Session, filters: Filters, columns: tuple[str, ...],
                  exact: Callable[[Filters], list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    """Timelines per combination of cell dimensions: whole months from the cells, partial months by `exact`."""
    whole, edges = month_split(filters)
    totals: dict[tuple[Any, ...], int] = {}
    found: list[tuple[Any, ...]] = []
    if whole is not None:
        where, params = _where(filters, whole)
        cols = ", ".join(f"r.{c}" for c in columns)
        found += _fetch(db, f"SELECT {cols}, SUM(r.timelines) FROM performance_cells r WHERE {where} "
                            f"GROUP BY {cols}", params)
    for edge in edges:
        found += exact(edge)
    for *key, n in found:
        group = tuple(bool(v) if c == "aeo" and v is not None else v for c, v in zip(columns, key, strict=True))
        totals[group] = totals.get(group, 0) + int(n)
    return [(*key, n) for key, n in sorted(totals.items(), key=lambda kv: [(v is None, str(v)) for v in kv[0]])
            if n]


def rollup_distribution(*, db: Session, filters: Filters, interval: str, bounds: tuple[int, ...],
                        exact: Callable[[Filters], list[tuple[int | None, int]]]) -> list[tuple[int | None, int]]:
    """Durations of one interval per bar (upper bounds, the last open-ended) from the cells' histograms.

    A histogram bucket straddling a bound goes to the bar its representative falls in, so only
    durations within histograms.ALPHA of a bound can land in the neighbouring bar."""
    whole, edges = month_split(filters)
    counts = np.zeros(len(bounds) + 1, dtype=np.int64)
    if whole is not None:
        where, params = _where(filters, whole)
        hists = [bytes(h) for (h,) in _fetch(db, f"SELECT r.hist FROM performance_cells r WHERE {where}", params)]
        _, intervals, keys, weights = histograms.unpack_many(hists)
        chosen = (intervals == [i.name for i in INTERVALS].index(interval)) & (keys >= 0)
        bars = np.searchsorted(np.array(bounds, dtype=np.float64),
                               histograms.representatives(keys[chosen]), side="right")
        counts += np.bincount(bars, weights=weights[chosen], minlength=len(bounds) + 1).astype(np.int64)
    for edge in edges:
        counts += np.array([n for _, n in exact(edge)], dtype=np.int64)
    return [(bounds[n] if n < len(bounds) else None, int(counts[n])) for n in range(len(bounds) + 1)]
