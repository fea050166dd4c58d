"""Rollups: what each month's timelines add to the release-time report, kept as timelines change.

A cell is one (month, office, channel, mode, operator status), stored as one row: the number of
timelines, the missing / out-of-order count of every check and, per interval, the count, sum,
time outside opening hours, out-of-order count and a duration histogram. Every figure is
a sum over timelines, so a change is folded in as (new timeline) − (old timeline): the refresh
that recomputes timelines hands both here. Reports add cells up instead of reading a million
timelines (rollup_read.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import TextClause, bindparam, delete, insert, select, text
from sqlalchemy.orm import Session

from clearway.performance import histograms
from clearway.performance.hours import Hours, open_clock
from clearway.performance.milestones import CHECKS, INTERVALS, MILESTONES
from clearway.performance.models import PerformanceCell

DIMS = ("period", "office", "channel", "mode", "aeo")
FRAME_COLUMNS = (*DIMS, *MILESTONES)
STATS = ("n", "total", "outside_n", "outside_total", "disorder")
K = len(INTERVALS)
_NONE = -(2**62)  # a milestone that has not happened (no epoch second is this far back)


def hours_digest(hours: list[Hours]) -> str:
    """A fingerprint of the opening hours that outside-hours sums depend on."""
    return hashlib.sha256(repr(sorted(hours, key=lambda h: h.office)).encode()).hexdigest()


def fetch_rows(db: Session, sql: TextClause, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """All rows as plain tuples, straight from the driver's cursor (row objects cost more than the query)."""
    result = db.execute(sql, params)
    try:
        cursor = result.cursor  # type: ignore[attr-defined]  # a CursorResult: text() always gives one
        return list(cursor.fetchall()) if cursor is not None else []
    finally:
        result.close()


def timelines_frame(db: Session, where: str, params: dict[str, Any], weight: int = 1) -> pd.DataFrame:
    """Timelines matching `where` (over alias t) as a frame of dimensions and milestones, with a weight."""
    # Missing milestones come as a sentinel integer: converting None to NaN row by row is slow.
    columns_sql = [f"t.{c}" if c in DIMS else f"COALESCE(t.{c}, {_NONE})" for c in FRAME_COLUMNS]
    sql = text(f"SELECT {', '.join(columns_sql)} FROM performance_timelines t WHERE {where}")
    if "ids" in params:
        sql = sql.bindparams(bindparam("ids", expanding=True))
    rows = fetch_rows(db, sql, params)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(FRAME_COLUMNS)
    data: dict[str, Any] = {}
    for name, values in zip(FRAME_COLUMNS, columns, strict=True):
        if name in DIMS:
            data[name] = np.array(values, dtype=object)
        else:  # float64 with NaN for none: exact for epoch seconds, and what the arithmetic wants
            numbers = np.array(values, dtype=np.int64).astype(np.float64)
            data[name] = np.where(numbers == _NONE, np.nan, numbers)
    frame = pd.DataFrame(data, index=range(len(rows)))
    frame["weight"] = weight
    return frame


@dataclass
class Delta:
    """Weighted sums of some timelines, per cell: what they add to (or remove from) the rollups."""

    cells: pd.DataFrame  # one row per cell code: cell key and dimensions
    timelines: np.ndarray  # (cells,)
    checks: np.ndarray  # (cells, 2 × checks): missing counts, then out-of-order counts
    stats: np.ndarray  # (cells, K, 5) in STATS order
    groups: np.ndarray  # histogram entries: cell code × K + interval index
    keys: np.ndarray
    counts: np.ndarray


def _cell_keys(frame: pd.DataFrame) -> pd.Series:
    text_of = [frame[d].fillna("").astype(str) for d in ("period", "office", "channel", "mode")]
    aeo = frame["aeo"].astype(bool).astype(int).astype(str)
    return text_of[0] + "|" + text_of[1] + "|" + text_of[2] + "|" + text_of[3] + "|" + aeo


def _hours_columns(offices: pd.Series, hours: list[Hours]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = {h.office: (h.offset, h.opens, h.length) for h in hours}
    known = offices.map(lambda o: table.get(o, (np.nan, np.nan, np.nan)))
    columns = np.array(known.tolist(), dtype=np.float64).reshape(len(offices), 3)
    return columns[:, 0], columns[:, 1], columns[:, 2]


def delta_of(frame: pd.DataFrame, hours: list[Hours]) -> Delta:
    """The weighted sums of the frame's timelines per cell, interval and duration bucket."""
    codes, uniques = pd.factorize(_cell_keys(frame))
    n_cells = len(uniques)
    firsts = frame.groupby(codes, sort=True)[list(DIMS)].first().reset_index(drop=True)
    cells = firsts.astype(object).where(firsts.notna(), None)  # first() reads a NULL channel as NaN
    cells.insert(0, "cell", np.asarray(uniques, dtype=object))
    w = frame["weight"].to_numpy(np.int64)
    times = {m: frame[m].to_numpy(np.float64, na_value=np.nan) for m in MILESTONES}
    offset, opens, length = _hours_columns(frame["office"], hours)
    checks = np.zeros((n_cells, 2 * len(CHECKS)), dtype=np.int64)
    for c, (milestone, prerequisite) in enumerate(CHECKS):
        has, before = ~np.isnan(times[milestone]), times[prerequisite]
        checks[:, c] = np.bincount(codes, weights=w * (has & np.isnan(before)), minlength=n_cells)
        checks[:, len(CHECKS) + c] = np.bincount(codes, weights=w * (has & (before > times[milestone])),
                                                 minlength=n_cells)
    stats = np.zeros((n_cells, K, len(STATS)), dtype=np.int64)
    groups, keys, counts = [], [], []
    for k, interval in enumerate(INTERVALS):
        start, end = times[interval.start], times[interval.end]
        present = ~np.isnan(start) & ~np.isnan(end)
        forward = present & (end >= start)
        valid = present if interval.signed else forward
        x = np.where(valid, end - start, 0.0)
        # NaN where the office's hours are unknown: NaN arithmetic carries through open_clock.
        outside = np.where(forward, x - (open_clock(end, offset, opens, length)
                                         - open_clock(start, offset, opens, length)), np.nan)
        timed = forward & ~np.isnan(outside)
        for s, values in enumerate((valid, np.where(valid, x, 0), timed, np.where(timed, outside, 0),
                                    present & ~forward & (not interval.signed))):
            stats[:, k, s] = np.rint(np.bincount(codes, weights=w * values, minlength=n_cells))
        groups.append(codes[valid] * K + k)
        keys.append(histograms.keys_of(x[valid]).astype(np.int64))
        counts.append(w[valid])
    merged = histograms.merge(np.concatenate(groups), np.concatenate(keys), np.concatenate(counts))
    return Delta(cells, np.bincount(codes, weights=w, minlength=n_cells).astype(np.int64), checks, stats, *merged)


def _chunks(items: list[str], size: int = 5_000) -> list[list[str]]:
    """Bounded IN lists (SQLite allows 32,766 bound parameters per statement)."""
    return [items[i:i + size] for i in range(0, len(items), size)]


def unpack_cells(stats: list[bytes], hists: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stored cells' (cells, K, STATS) sums and their histogram entries, grouped as row × K + interval."""
    sums = np.frombuffer(b"".join(stats), dtype="<i8").reshape(len(stats), K, len(STATS))
    sizes, intervals, keys, counts = histograms.unpack_many(hists)
    return sums, np.repeat(np.arange(len(hists)), sizes) * K + intervals, keys, counts


def _add_stored(db: Session, delta: Delta) -> Delta:
    """The delta plus what is stored for its cells: the cells' new totals."""
    cell_list = delta.cells["cell"].tolist()
    columns = (PerformanceCell.cell, PerformanceCell.timelines, PerformanceCell.checks, PerformanceCell.stats,
               PerformanceCell.hist)
    stored = [row for part in _chunks(cell_list)
              for row in db.execute(select(*columns).where(PerformanceCell.cell.in_(part))).tuples()]
    if not stored:
        return delta
    code = {cell: i for i, cell in enumerate(cell_list)}
    rows = np.array([code[row[0]] for row in stored], dtype=np.int64)
    delta.timelines[rows] += np.array([row[1] for row in stored], dtype=np.int64)
    delta.checks[rows] += np.frombuffer(b"".join(bytes(row[2]) for row in stored), dtype="<i8").reshape(len(rows), -1)
    sums, groups, keys, counts = unpack_cells([bytes(row[3]) for row in stored], [bytes(row[4]) for row in stored])
    delta.stats[rows] += sums
    groups = rows[groups // K] * K + groups % K  # stored row -> the delta's cell code
    merged = histograms.merge(np.concatenate([delta.groups, groups]), np.concatenate([delta.keys, keys]),
                              np.concatenate([delta.counts, counts]))
    return Delta(delta.cells, delta.timelines, delta.checks, delta.stats, *merged)


def rows_of(total: Delta) -> list[dict[str, Any]]:
    """Cell rows as stored; cells without timelines are left out."""
    bounds = np.searchsorted(total.groups, np.arange(len(total.cells) + 1) * K)
    rows = []
    for i, dims in enumerate(total.cells.to_dict("records")):
        if total.timelines[i] == 0:
            continue
        lo, hi = bounds[i], bounds[i + 1]
        rows.append({**dims, "aeo": bool(dims["aeo"]), "timelines": int(total.timelines[i]),
                     "checks": total.checks[i].astype("<i8").tobytes(), "stats": total.stats[i].astype("<i8").tobytes(),
                     "hist": histograms.pack(total.groups[lo:hi] % K, total.keys[lo:hi], total.counts[lo:hi])})
    return rows


def _write(db: Session, total: Delta) -> None:
    rows = rows_of(total)
    if rows:
        db.execute(insert(PerformanceCell), rows)


def rollup_apply(*, db: Session, frame: pd.DataFrame, hours: list[Hours]) -> int:
    """Fold weighted timelines (new +1, replaced −1) into the stored cells; returns the cells touched."""
    if frame.empty:
        return 0
    total = _add_stored(db, delta_of(frame, hours))
    cells = total.cells["cell"].tolist()
    for part in _chunks(cells):
        db.execute(delete(PerformanceCell).where(PerformanceCell.cell.in_(part)))
    _write(db, total)
    return len(cells)


def rollup_rebuild(*, db: Session, hours: list[Hours]) -> int:
    """Recompute every cell from the timelines; returns the number of cells."""
    db.execute(delete(PerformanceCell))
    frame = timelines_frame(db, "1 = 1", {})
    if frame.empty:
        return 0
    delta = delta_of(frame, hours)
    _write(db, delta)
    return len(delta.cells)
