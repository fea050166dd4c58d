"""The published release-time table (TFA 7.6): per office and transport mode, last twelve months.

Cells and their margins go through small-cell suppression (suppression.py) before anything
leaves: a withheld cell publishes its keys and `suppressed: true`, nothing else. A published
cell's statistic based on fewer than the threshold of its own declarations is blank too. The
rows carry no declarant, MRN or anything else that identifies a trader.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from clearway.performance import service
from clearway.performance.filters import Filters, last_year, where_sql
from clearway.performance.releases import IntervalStats, release_stats
from clearway.performance.settings import performance_settings
from clearway.performance.suppression import ALL, extended_table, suppress
from clearway.reference import service as reference

INTERVALS = ("lodgement_to_release", "arrival_to_release")
FIELDS: tuple[tuple[str, str], ...] = (
    ("office", "Customs office code ('*': all offices)"),
    ("office_name", "Customs office name"),
    ("mode", "Transport mode at the border, UN/ECE Recommendation 19 code ('*': all modes)"),
    ("mode_name", "Transport mode name (English)"),
    ("suppressed", "true when the cell is withheld to protect traders (see `suppression`)"),
    ("declarations", "Declarations lodged in the period"),
    ("released", "Of those, declarations released"),
    ("mean_hours", "Mean time from lodgement to release, hours"),
    ("median_hours", "Median time from lodgement to release, hours"),
    ("p90_hours", "90th percentile of the time from lodgement to release, hours"),
    ("arrival_known", "Declarations whose arrival time at the border is known"),
    ("mean_arrival_to_release_hours", "Mean time from arrival to release where arrival is known, hours"),
    ("pre_arrival_share", "Share of declarations with a known arrival that were lodged before arrival"),
)


@dataclass(frozen=True)
class Published:
    """The published table: its period, rows (cells and margins) and the rule applied."""

    date_from: str
    date_to: str
    threshold: int
    dominance: float
    rows: list[dict[str, Any]]


_cache: dict[str, tuple[float, Published]] = {}
_lock = threading.Lock()


def cache_clear() -> None:
    """Forget cached publications (tests, and after a bulk load)."""
    with _lock:
        _cache.clear()


def _declarant_counts(db: Session, filters: Filters
                      ) -> tuple[dict[tuple[Hashable, Hashable, str], int], dict[str, list[int]]]:
    where, params = where_sql(filters)
    counts: dict[tuple[Hashable, Hashable, str], int] = {}
    arrivals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for office, mode, declarant, n, known, early in db.execute(text(
            "SELECT t.office, COALESCE(t.mode, '-'), t.declarant, COUNT(*), COUNT(t.arrival), "
            "SUM(CASE WHEN t.lodged < t.arrival THEN 1 ELSE 0 END) "
            f"FROM performance_timelines t WHERE {where} GROUP BY t.office, t.mode, t.declarant"), params):
        counts[(office, mode, declarant)] = int(n)
        for key in ((office, mode), (office, ALL), (ALL, mode), (ALL, ALL)):
            arrivals[f"{key[0]}|{key[1]}"][0] += int(known)
            arrivals[f"{key[0]}|{key[1]}"][1] += int(early or 0)
    return counts, arrivals


def _stats(db: Session, filters: Filters, now: datetime) -> dict[tuple[str, str, str], IntervalStats]:
    found = {}
    for by in (("office", "mode"), ("office",), ("mode",), ()):
        for s in release_stats(db=db, filters=filters, by=by, now=now, intervals=INTERVALS):
            key = (s.group.get("office", ALL) or "-", s.group.get("mode", ALL) or "-", s.interval)
            found[key] = s
    return found


def _hours(stats: IntervalStats | None, value: float | None, threshold: int) -> float | None:
    if stats is None or value is None or stats.count < threshold:
        return None
    return round(value / 3600, 2)


def _row(key: tuple[str, str], n: int, stats: dict[tuple[str, str, str], IntervalStats], arrival: list[int],
         threshold: int) -> dict[str, Any]:
    office, mode = key
    release, from_arrival = stats.get((office, mode, INTERVALS[0])), stats.get((office, mode, INTERVALS[1]))
    known, early = arrival
    return {
        "declarations": n, "released": release.count if release else 0,
        "mean_hours": _hours(release, release.mean if release else None, threshold),
        "median_hours": _hours(release, release.median if release else None, threshold),
        "p90_hours": _hours(release, release.p90 if release else None, threshold),
        "arrival_known": known,
        "mean_arrival_to_release_hours": _hours(from_arrival, from_arrival.mean if from_arrival else None, threshold),
        "pre_arrival_share": round(early / known, 4) if known >= threshold else None,
    }


def _names(office: str, mode: str) -> dict[str, str]:
    offices, modes = reference.offices(), reference.transport_modes()
    return {"office": office, "office_name": offices[office].name if office in offices else "",
            "mode": mode, "mode_name": modes[mode]["name_en"] if mode in modes else ""}


def published_release_times(*, db: Session, now: datetime) -> Published:
    """The TFA 7.6 table of the last twelve months with small cells withheld (cached per process)."""
    settings = performance_settings()
    key = f"{db.get_bind().engine.url}|{now.date()}"
    with _lock:
        hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < settings.public_cache_s:
        return hit[1]
    filters = last_year(now.date())
    service.refresh(db=db, now=now)
    counts, arrivals = _declarant_counts(db, filters)
    cells = extended_table(counts)
    _, hidden = suppress(cells, threshold=settings.suppression_threshold, dominance=settings.dominance_share)
    stats = _stats(db, filters, now)
    rows = []
    for cell_key, facts in cells.items():
        office, mode = str(cell_key[0]), str(cell_key[1])
        row: dict[str, Any] = {**_names(office, mode), "suppressed": cell_key in hidden}
        if cell_key not in hidden:
            row.update(_row((office, mode), facts.count, stats, arrivals[f"{office}|{mode}"],
                            settings.suppression_threshold))
        rows.append(row)
    published = Published(str(filters.date_from), str(filters.date_to), settings.suppression_threshold,
                          settings.dominance_share, rows)
    with _lock:
        _cache[key] = (time.monotonic(), published)
    return published
