"""Every crossing's dwell, split by what the truck was waiting for.

A crossing runs from arrival at the first post to entry at the second (the partner's post going out,
ours coming in). Each second of it is put in exactly one bucket, in this order:
  - our post closed                      -> waiting while our post was closed
  - else the partner closed              -> waiting while the partner was closed
  - else both open: the first `service_s` seconds of it are processing, the rest is waiting while both were open.
The buckets add up to the dwell, so "closure share of waiting" = closed waiting / all waiting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np


@dataclass(frozen=True)
class DwellSplit:
    """One crossing's dwell in seconds, by cause."""

    dwell_s: int
    processing_s: int
    waiting_open_s: int
    waiting_ours_closed_s: int
    waiting_partner_closed_s: int

    @property
    def waiting_s(self) -> int:
        """All waiting (dwell less processing)."""
        return self.waiting_open_s + self.waiting_ours_closed_s + self.waiting_partner_closed_s


def open_clock(spans: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Open seconds of sorted disjoint spans before each instant t (so an interval's open time is a subtraction)."""
    t = np.asarray(t, dtype=np.int64)
    if len(spans) == 0:
        return np.zeros(t.shape, dtype=np.int64)
    before = np.concatenate([[0], np.cumsum(spans[:, 1] - spans[:, 0])])
    i = np.searchsorted(spans[:, 0], t, side="right")  # spans that started at or before t
    last = np.maximum(i - 1, 0)
    inside = np.clip(t - spans[last, 0], 0, spans[last, 1] - spans[last, 0])
    return np.where(i > 0, before[last] + inside, 0)


def joint_spans(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The (n, 2) spans where both sorted disjoint span sets are open."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    points = np.unique(np.concatenate([a.ravel(), b.ravel()]))
    starts, ends = points[:-1], points[1:]

    def inside(spans: np.ndarray) -> np.ndarray:
        i = np.searchsorted(spans[:, 0], starts, side="right") - 1
        return (i >= 0) & (starts < spans[np.maximum(i, 0), 1])

    both = inside(a) & inside(b)
    return np.stack([starts[both], ends[both]], axis=1)


@dataclass(frozen=True)
class SplitArrays:
    """The split of many crossings at once, one array per bucket (seconds)."""

    dwell_s: np.ndarray
    processing_s: np.ndarray
    waiting_open_s: np.ndarray
    waiting_ours_closed_s: np.ndarray
    waiting_partner_closed_s: np.ndarray

    def row(self, n: int) -> DwellSplit:
        """The n-th crossing's split."""
        return DwellSplit(int(self.dwell_s[n]), int(self.processing_s[n]), int(self.waiting_open_s[n]),
                          int(self.waiting_ours_closed_s[n]), int(self.waiting_partner_closed_s[n]))


def dwell_splits(*, arrived: np.ndarray, entered: np.ndarray, ours: np.ndarray, partner: np.ndarray,
                 service_s: int) -> SplitArrays:
    """Split every [arrived, entered) by which post was closed, vectorised over the crossings."""
    arrived, entered = np.asarray(arrived, dtype=np.int64), np.maximum(np.asarray(entered, dtype=np.int64), arrived)
    both_spans = joint_spans(ours, partner)
    ours_open = open_clock(ours, entered) - open_clock(ours, arrived)
    both = open_clock(both_spans, entered) - open_clock(both_spans, arrived)
    processing = np.minimum(both, max(0, service_s))
    dwell = entered - arrived
    return SplitArrays(dwell_s=dwell, processing_s=processing, waiting_open_s=both - processing,
                       waiting_ours_closed_s=dwell - ours_open, waiting_partner_closed_s=ours_open - both)


def dwell_split(*, arrived: int, entered: int, ours: np.ndarray, partner: np.ndarray, service_s: int) -> DwellSplit:
    """Split [arrived, entered) (epoch seconds) by which post was closed; `ours`/`partner` are UTC open spans."""
    return dwell_splits(arrived=np.array([arrived]), entered=np.array([entered]), ours=ours, partner=partner,
                        service_s=service_s).row(0)


@dataclass(frozen=True)
class DailyClosureShare:
    """One post, direction and UTC day: waiting by cause and the share of it caused by closed hours."""

    day: date
    direction: str
    crossings: int
    mean_dwell_h: float
    waiting_h: float
    ours_closed_h: float
    partner_closed_h: float

    @property
    def closure_share(self) -> float | None:
        """Waiting while either post was closed, as a share of all waiting (None without waiting)."""
        if self.waiting_h <= 0:
            return None
        return (self.ours_closed_h + self.partner_closed_h) / self.waiting_h


def daily_closure_share(rows: Iterable[tuple[str, int, DwellSplit]]) -> list[DailyClosureShare]:
    """Group (direction, arrival epoch, split) by arrival day and direction."""
    groups: dict[tuple[date, str], list[DwellSplit]] = defaultdict(list)
    for direction, arrived, split in rows:
        groups[(datetime.fromtimestamp(arrived, UTC).date(), direction)].append(split)
    out = []
    for (day, direction), splits in sorted(groups.items()):
        n = len(splits)
        out.append(DailyClosureShare(
            day=day, direction=direction, crossings=n,
            mean_dwell_h=sum(s.dwell_s for s in splits) / n / 3600,
            waiting_h=sum(s.waiting_s for s in splits) / 3600,
            ours_closed_h=sum(s.waiting_ours_closed_s for s in splits) / 3600,
            partner_closed_h=sum(s.waiting_partner_closed_s for s in splits) / 3600))
    return out
