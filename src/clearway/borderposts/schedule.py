"""One post's opening hours as open intervals in absolute time (UTC epoch seconds).

The weekly rule is OpenStreetMap `opening_hours` syntax, expanded by the `opening-hours-py`
library in the post's local (naive) time. Public holidays come from the `holidays` library and
dated exceptions (closures, extended hours) are applied in local time too; only then is every
boundary turned into UTC through the post's IANA zone. That order is what keeps a 09:00 opening at
09:00 local across daylight-saving changes and across a change of the zone's rules in tzdata: the
UTC instant moves, the local schedule does not.
"""

from __future__ import annotations

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


@lru_cache(maxsize=4096)
def _local_rule_intervals(rule: str, start: date, end: date) -> np.ndarray:
    """Open intervals of the weekly rule in local naive epoch seconds, shape (n, 2)."""
    begin, stop = datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time())
    found = [(_naive_s(a), _naive_s(b)) for a, b, state, _ in _rule(rule).intervals(begin, stop)
             if state == State.OPEN]
    return np.array(found, dtype=np.int64).reshape(-1, 2)


@lru_cache(maxsize=256)
def holiday_days(country: str, years: tuple[int, ...]) -> tuple[date, ...]:
    """Public holidays of a country in the given years (the holidays library)."""
    return tuple(sorted(holidays.country_holidays(country, years=list(years)).keys()))


def _subtract(spans: np.ndarray, cut_start: int, cut_end: int) -> np.ndarray:
    keep = []
    for a, b in spans:
        if b <= cut_start or a >= cut_end:
            keep.append((a, b))
            continue
        if a < cut_start:
            keep.append((a, cut_start))
        if b > cut_end:
            keep.append((cut_end, b))
    return np.array(keep, dtype=np.int64).reshape(-1, 2)


def merge(spans: np.ndarray) -> np.ndarray:
    """Sorted, non-overlapping union of (n, 2) intervals; touching intervals are joined."""
    if len(spans) == 0:
        return spans.reshape(-1, 2)
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
    if schedule.holiday_country:
        years = tuple(range(start.year, end.year + 1))
        for day in holiday_days(schedule.holiday_country, years):
            if start <= day < end:
                midnight = _naive_s(datetime.combine(day, datetime.min.time()))
                cuts.append((midnight, midnight + 86_400))
    extra = []
    for exc in schedule.exceptions:
        if exc.kind == "closure":
            cuts.append((_naive_s(exc.start), _naive_s(exc.end)))
        else:
            extra.append((_naive_s(exc.start), _naive_s(exc.end)))
    for a, b in cuts:
        spans = _subtract(spans, a, b)
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
