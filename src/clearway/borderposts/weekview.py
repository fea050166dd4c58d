"""The week view of a pair: each hour of a week in one post's local time, with both posts' state at that hour.

Each cell carries a state word as well as a class ("joint", "ours", "partner", "closed"), so the gaps
read without colour. The same grid is drawn twice on a page: in our local time and in the partner's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from clearway.borderposts.selectors import state_now

STATES = ("joint", "ours", "partner", "closed")


@dataclass(frozen=True)
class WeekGrid:
    """Rows of local hours (0-23) by the seven local days from `monday`; each cell a state."""

    zone: str
    days: list[date]
    rows: list[list[str]]  # rows[hour][day]
    counts: dict[str, int]


def week_grid(ours: np.ndarray, partner: np.ndarray, zone: str, monday: date) -> WeekGrid:
    """The grid of the week starting `monday` in `zone`, each cell the state at the middle of its local hour."""
    tz = ZoneInfo(zone)
    days = [monday + timedelta(days=d) for d in range(7)]
    rows: list[list[str]] = []
    counts = dict.fromkeys(STATES, 0)
    for hour in range(24):
        row = []
        for day in days:
            local = datetime(day.year, day.month, day.day, hour, 30, tzinfo=tz)
            instant = int(local.astimezone(UTC).timestamp())
            a, b = state_now(ours, instant)[0], state_now(partner, instant)[0]
            state = "joint" if a and b else "ours" if a else "partner" if b else "closed"
            counts[state] += 1
            row.append(state)
        rows.append(row)
    return WeekGrid(zone=zone, days=days, rows=rows, counts=counts)
