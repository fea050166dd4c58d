"""Time outside an office's opening hours, as integer arithmetic that runs in SQL on both backends.

With local time u = t + offset, day d = u div 86400, second of day s = u mod 86400 and an office
open daily from `opens` for `length` seconds, the open seconds since the epoch up to t are
    F(t) = d × length + clamp(s − opens, 0, length)
so the time outside opening hours between t1 and t2 is (t2 − t1) − (F(t2) − F(t1)). An office
open 00:00–24:00 is never outside its hours. The offset is the office time zone's current UTC
offset: zones with daylight saving are off by an hour for part of the year (none of the
shipped offices observes it). Offices without known hours give no figure (NULL), not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from clearway.reference import service as reference

DAY = 86_400


@dataclass(frozen=True)
class Hours:
    """Opening hours of one office in seconds: UTC offset, opening second of day, open length."""

    office: str
    offset: int
    opens: int
    length: int


def _seconds(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def office_hours(now: datetime) -> list[Hours]:
    """Every shipped office's opening hours, with its time zone's UTC offset at `now`."""
    found = []
    for code, office in reference.offices().items():
        offset = ZoneInfo(office.timezone).utcoffset(now.replace(tzinfo=None))
        opens, closes = _seconds(office.opens), _seconds(office.closes)
        if offset is not None and 0 <= opens < closes <= DAY:
            found.append(Hours(code, int(offset.total_seconds()), opens, closes - opens))
    return found


def open_clock(t: Any, offset: Any, opens: Any, length: Any) -> Any:
    """F(t) in Python: open seconds from the epoch to t, for numbers or numpy arrays (one per timeline)."""
    local = t + offset
    return (local // DAY) * length + np.clip(local % DAY - opens, 0, length)


def open_seconds_until(t: int, hours: Hours) -> int:
    """F(t) for one office (the Python twin of the SQL, for tests and small data)."""
    return int(open_clock(t, hours.offset, hours.opens, hours.length))


def outside_seconds(start: int, end: int, hours: Hours) -> int:
    """Seconds between start and end (epoch seconds) when the office was closed."""
    return (end - start) - (open_seconds_until(end, hours) - open_seconds_until(start, hours))


def hours_cte(rows: list[Hours]) -> str:
    """A `hours(office, off, opens, len)` common table expression of literal rows (codes are reference data)."""
    if not rows:
        return "hours(office, off, opens, len) AS (SELECT NULL, 0, 0, 0 WHERE 1 = 0)"
    values = ", ".join(f"('{h.office}', {h.offset}, {h.opens}, {h.length})" for h in rows
                       if h.office.isalnum())
    return f"hours(office, off, opens, len) AS (VALUES {values})"


def open_clock_sql(t: str, pg: bool) -> str:
    """SQL for F(t) of an epoch-second expression (needs the `hours` row as `h`)."""
    least, greatest = ("LEAST", "GREATEST") if pg else ("MIN", "MAX")
    local = f"({t} + h.off)"
    return f"(({local} / {DAY}) * h.len + {least}({greatest}({local} % {DAY} - h.opens, 0), h.len))"
