"""One post's opening hours as open intervals in absolute time (UTC epoch seconds).

The weekly rule is OpenStreetMap `opening_hours` syntax, expanded by the `opening-hours-py`
library in the post's local (naive) time. Public holidays come from the `holidays` library and
dated exceptions (closures, extended hours) are applied in local time too; only then is every
boundary turned into UTC through the post's IANA zone. That order is what keeps a 09:00 opening at
09:00 local across daylight-saving changes and across a change of the zone's rules in tzdata: the
UTC instant moves, the local schedule does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import opening_hours
from opening_hours import OpeningHours, State

EPOCH = datetime(1970, 1, 1)
STEP = 900  # offsets are tabulated per quarter hour of local time: every tzdata transition since 1970 falls on one


class ScheduleInvalid(ValueError):
    """An opening-hours rule, time zone or holiday country that cannot be used."""

    def __init__(self, code: str, value: str):
        super().__init__(f"{code}: {value}")
        self.code, self.value = code, value


@dataclass(frozen=True)
class Exception_:
    """A dated change in local time: a closure removes [start, end), an extension adds it."""

    kind: str  # "closure" | "extended"
    start: datetime  # local, naive
    end: datetime


@dataclass(frozen=True)
class Schedule:
    """Everything needed to say when one post (for one agency and traffic type) is open."""

    rule: str
    timezone: str
    holiday_country: str | None = None
    exceptions: tuple[Exception_, ...] = field(default_factory=tuple)


def rule_check(rule: str) -> str:
    """The rule if the library parses it, else ScheduleInvalid('borderposts.rule_invalid')."""
    if not rule.strip() or not opening_hours.validate(rule):
        raise ScheduleInvalid("borderposts.rule_invalid", rule)
    return rule


def zone_check(name: str) -> ZoneInfo:
    """The IANA zone, else ScheduleInvalid('borderposts.timezone_unknown')."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ScheduleInvalid("borderposts.timezone_unknown", name) from exc


def country_check(code: str | None) -> str | None:
    """A holiday country the holidays library knows, else ScheduleInvalid('borderposts.holidays_unknown')."""
    if code is not None and code not in holidays.list_supported_countries():
        raise ScheduleInvalid("borderposts.holidays_unknown", code)
    return code


def _naive_s(moment: datetime) -> int:
    return int((moment.replace(tzinfo=None) - EPOCH).total_seconds())


@lru_cache(maxsize=64)
def _rule(rule: str) -> OpeningHours:
    return OpeningHours(rule_check(rule))


_DAYS = r"(Mo|Tu|We|Th|Fr|Sa|Su)"
_TIMES = r"\d\d:\d\d-\d\d:\d\d(,\d\d:\d\d-\d\d:\d\d)*"
# A rule part with nothing but weekdays and times repeats every week (no months, dates, weeks, holidays).
_WEEKLY_PART = re.compile(rf"^\s*({_DAYS}([-,]{_DAYS})*\s+)?(off|closed|{_TIMES})\s*$")
WEEK_S = 7 * 86_400
_REFERENCE_MONDAY = datetime(2001, 1, 8)  # a Monday; the week before it catches hours running past midnight


def weekly(rule: str) -> bool:
    """Whether the rule only names weekdays and times, so one week of it repeats unchanged."""
    return rule.strip() == "24/7" or all(_WEEKLY_PART.match(part) for part in rule.split(";"))


def _expand(rule: str, begin: datetime, stop: datetime) -> np.ndarray:
    found = [(_naive_s(a), _naive_s(b)) for a, b, state, _ in _rule(rule).intervals(begin, stop)
             if state == State.OPEN]
    return np.array(found, dtype=np.int64).reshape(-1, 2)


def _clip(spans: np.ndarray, lo: int, hi: int) -> np.ndarray:
    clipped = np.stack([np.maximum(spans[:, 0], lo), np.minimum(spans[:, 1], hi)], axis=1) if len(spans) else spans
    return clipped[clipped[:, 1] > clipped[:, 0]] if len(clipped) else clipped.reshape(-1, 2)


@lru_cache(maxsize=4096)
def _week_pattern(rule: str) -> np.ndarray:
    """One week of a weekly rule (the library's expansion), as offsets in seconds from Monday 00:00."""
    lo = _naive_s(_REFERENCE_MONDAY)
    spans = _expand(rule, _REFERENCE_MONDAY - timedelta(days=7), _REFERENCE_MONDAY + timedelta(days=7))
    return _clip(spans, lo, lo + WEEK_S) - lo


@lru_cache(maxsize=4096)
def _local_rule_intervals(rule: str, start: date, end: date) -> np.ndarray:
    """Open intervals of the rule in local naive epoch seconds over [start, end), shape (n, 2)."""
    begin, stop = datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time())
    lo, hi = _naive_s(begin), _naive_s(stop)
    if not weekly(rule):
        return _expand(rule, begin, stop)
    # Weekly rules: the library expands one week, numpy repeats it (a year of 1,000 posts in milliseconds).
    first_monday = lo - ((start.weekday()) * 86_400)
    weeks = np.arange(first_monday, hi, WEEK_S, dtype=np.int64)
    pattern = _week_pattern(rule)
    if len(pattern) == 0 or len(weeks) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    tiled = (weeks[:, None, None] + pattern[None, :, :]).reshape(-1, 2)
    return merge(_clip(tiled, lo, hi))


@lru_cache(maxsize=256)
def holiday_days(country: str, years: tuple[int, ...]) -> tuple[date, ...]:
    """Public holidays of a country in the given years (the holidays library)."""
    return tuple(sorted(holidays.country_holidays(country, years=list(years)).keys()))


@lru_cache(maxsize=1024)
def _holiday_cuts(country: str, start: date, end: date) -> np.ndarray:
    """Whole local days of public holidays in [start, end), as (n, 2) local naive epoch seconds."""
    days = [(d - date(1970, 1, 1)).days for d in holiday_days(country, tuple(range(start.year, end.year + 1)))
            if start <= d < end]
    midnights = np.array(days, dtype=np.int64) * 86_400
    return np.stack([midnights, midnights + 86_400], axis=1) if len(midnights) else np.zeros((0, 2), dtype=np.int64)


def _inside(spans: np.ndarray, points: np.ndarray) -> np.ndarray:
    if len(spans) == 0:
        return np.zeros(len(points), dtype=bool)
    i = np.searchsorted(spans[:, 0], points, side="right") - 1
    return (i >= 0) & (points < spans[np.maximum(i, 0), 1])


def difference(spans: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """The parts of sorted disjoint spans outside the cuts (any intervals), merged."""
    if len(spans) == 0 or len(cuts) == 0:
        return spans
    cuts = merge(cuts)
    points = sorted_unique(np.concatenate([spans.ravel(), cuts.ravel()]))
    starts, ends = points[:-1], points[1:]
    keep = _inside(spans, starts) & ~_inside(cuts, starts)
    return merge(np.stack([starts[keep], ends[keep]], axis=1))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values in order (a sort and a comparison: cheaper than np.unique on short int arrays)."""
    values = np.sort(values)
    if len(values) == 0:
        return values
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def merge(spans: np.ndarray) -> np.ndarray:
    """Sorted, non-overlapping union of (n, 2) intervals; touching intervals are joined."""
    if len(spans) == 0:
        return spans.reshape(-1, 2)
    if len(spans) > 1 and not bool((spans[1:, 0] >= spans[:-1, 0]).all()):
        spans = spans[np.argsort(spans[:, 0], kind="stable")]
    ends = np.maximum.accumulate(spans[:, 1])
    starts_new = np.ones(len(spans), dtype=bool)
    starts_new[1:] = spans[1:, 0] > ends[:-1]
    idx = np.flatnonzero(starts_new)
    last = np.append(idx[1:] - 1, len(spans) - 1)
    return np.stack([spans[idx, 0], ends[last]], axis=1)


def local_intervals(schedule: Schedule, start: date, end: date) -> np.ndarray:
    """Open intervals in local naive epoch seconds over [start, end) days, holidays and exceptions applied."""
    spans = _local_rule_intervals(schedule.rule, start, end)
    cuts: list[tuple[int, int]] = []
    holiday_cuts = _holiday_cuts(schedule.holiday_country, start, end) if schedule.holiday_country else None
    extra = []
    for exc in schedule.exceptions:
        if exc.kind == "closure":
            cuts.append((_naive_s(exc.start), _naive_s(exc.end)))
        else:
            extra.append((_naive_s(exc.start), _naive_s(exc.end)))
    if cuts or holiday_cuts is not None:
        every = np.array(cuts, dtype=np.int64).reshape(-1, 2)
        if holiday_cuts is not None:
            every = np.concatenate([every, holiday_cuts])
        spans = difference(spans, every)
    if extra:
        lo = _naive_s(datetime.combine(start, datetime.min.time()))
        hi = _naive_s(datetime.combine(end, datetime.min.time()))
        added = np.clip(np.array(extra, dtype=np.int64).reshape(-1, 2), lo, hi)
        spans = merge(np.concatenate([spans, added[added[:, 1] > added[:, 0]]]))
    return spans


@lru_cache(maxsize=512)
def _offset_table(zone: str, start: date, end: date) -> tuple[int, np.ndarray]:
    """UTC offset (s) of each local quarter hour from local midnight of `start` - 1 day to `end` + 1 day."""
    tz = zone_check(zone)
    first = datetime.combine(start - timedelta(days=1), datetime.min.time())
    count = ((end - start).days + 2) * 86_400 // STEP
    base = _naive_s(first)
    offsets = np.empty(count, dtype=np.int64)
    # Quarter hours share an offset between transitions: probe once per day and fill whole days, then
    # look closer only on days whose offset changes (two dozen per zone and year at most).
    per_day = 86_400 // STEP
    previous = None
    for d in range(count // per_day):
        day = first + timedelta(days=d)
        morning = tz.utcoffset(day)
        evening = tz.utcoffset(day + timedelta(hours=23, minutes=45))
        if morning == evening and morning == previous:
            offsets[d * per_day:(d + 1) * per_day] = int(morning.total_seconds())  # type: ignore[union-attr]
        else:
            for q in range(per_day):
                offset = tz.utcoffset(day + timedelta(seconds=q * STEP))
                offsets[d * per_day + q] = int(offset.total_seconds())  # type: ignore[union-attr]
        previous = evening
    return base, offsets


def to_utc(local: np.ndarray, zone: str, start: date, end: date) -> np.ndarray:
    """Local naive epoch seconds to UTC epoch seconds in the zone's rules (non-existent times: pre-change offset)."""
    base, offsets = _offset_table(zone, start, end)
    index = np.clip((local - base) // STEP, 0, len(offsets) - 1)
    return local - offsets[index]


def open_intervals(schedule: Schedule, start: date, end: date) -> np.ndarray:
    """Open intervals in UTC epoch seconds, shape (n, 2), for local days [start, end)."""
    local = local_intervals(schedule, start, end)
    if len(local) == 0:
        return local
    utc = to_utc(local, schedule.timezone, start, end)
    return merge(utc[utc[:, 1] > utc[:, 0]])


def epoch(moment: datetime) -> int:
    """Epoch seconds of an aware datetime."""
    return int(moment.astimezone(UTC).timestamp())
