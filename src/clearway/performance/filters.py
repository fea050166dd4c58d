"""What every performance report may be narrowed by, and the SQL WHERE clause it becomes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from clearway.auth.schemas import Principal
from clearway.errors import Problem, ValidationFailed

# Dimension name -> timeline column. Reports group by any subset of these.
DIMENSIONS: dict[str, str] = {"office": "t.office", "channel": "t.channel", "mode": "t.mode", "aeo": "t.aeo",
                              "period": "t.period"}
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  # bounds that keep epoch arithmetic honest


@dataclass(frozen=True)
class Filters:
    """Lodgement dates (UTC, inclusive) and dimension values; None means "any"."""

    date_from: date | None = None
    date_to: date | None = None
    office: str | None = None
    channel: str | None = None
    mode: str | None = None
    aeo: bool | None = None

    def checked(self) -> Filters:
        """The filters themselves, or a 422 problem when a date is out of range or the range is reversed."""
        problems = [Problem("performance.date_out_of_range", "", {"parameter": name, "min": str(EARLIEST),
                                                                  "max": str(LATEST)})
                    for name in ("date_from", "date_to")
                    if (value := getattr(self, name)) is not None and not EARLIEST <= value <= LATEST]
        if not problems and self.date_from and self.date_to and self.date_from > self.date_to:
            problems.append(Problem("performance.date_range_reversed", "", {"parameter": "date_from"}))
        if problems:
            raise ValidationFailed(problems)
        return self

    def scoped(self, actor: Principal) -> Filters:
        """An officer attached to an office sees that office only, whatever was asked."""
        if actor.role == "officer" and actor.office:
            return replace(self, office=actor.office)
        return self


def epoch(day: date) -> int:
    """Midnight UTC at the start of a day, in epoch seconds."""
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp())


def where_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The WHERE clause over timelines `t` and its bound parameters."""
    clauses, params = ["1 = 1"], {}
    if filters.date_from is not None:
        clauses.append("t.lodged_on >= :date_from")
        params["date_from"] = epoch(filters.date_from)
    if filters.date_to is not None:
        clauses.append("t.lodged_on < :date_to")
        params["date_to"] = epoch(filters.date_to + timedelta(days=1))
    for name in ("office", "channel", "mode", "aeo"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append(f"{DIMENSIONS[name]} = :{name}")
            params[name] = value
    return " AND ".join(clauses), params


def last_year(today: date) -> Filters:
    """The rolling twelve months that end today (TFA 7.6 publication window)."""
    return Filters(date_from=today - timedelta(days=365), date_to=today)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_split(filters: Filters) -> tuple[tuple[str | None, str | None] | None, list[Filters]]:
    """The whole months a date range covers (first and last 'YYYY-MM', None when open-ended; None when
    no month is whole), and the partial months at its edges as narrower filters."""
    lo, hi = filters.date_from, filters.date_to
    edges: list[Filters] = []
    first = None if lo is None else (lo if lo.day == 1 else _next_month(lo))
    after = None if hi is None else _next_month(hi) if _next_month(hi) - timedelta(days=1) == hi \
        else _month_start(hi)  # the first day not in a whole month at the top
    if first is not None and after is not None and first >= after:  # no whole month: one or two partial months
        if lo is not None and hi is not None and _month_start(lo) == _month_start(hi):
            return None, [filters]
        return None, [replace(filters, date_to=_next_month(lo) - timedelta(days=1)) if lo else filters,
                      replace(filters, date_from=_month_start(hi)) if hi else filters]
    if lo is not None and first is not None and first != lo:
        edges.append(replace(filters, date_to=first - timedelta(days=1)))
    if hi is not None and after is not None and after <= hi:
        edges.append(replace(filters, date_from=after))
    whole = (None if first is None else first.strftime("%Y-%m"),
             None if after is None else (after - timedelta(days=1)).strftime("%Y-%m"))
    return whole, edges
