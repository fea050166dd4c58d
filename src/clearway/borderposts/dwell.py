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


def _open_seconds(spans: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The (n, 2) pieces of spans inside [lo, hi)."""
    if len(spans) == 0 or hi <= lo:
        return np.zeros((0, 2), dtype=np.int64)
    clipped = np.stack([np.maximum(spans[:, 0], lo), np.minimum(spans[:, 1], hi)], axis=1)
    return clipped[clipped[:, 1] > clipped[:, 0]]


def _length(spans: np.ndarray) -> int:
    return int((spans[:, 1] - spans[:, 0]).sum()) if len(spans) else 0


def _intersect_len(a: np.ndarray, b: np.ndarray) -> int:
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i, 0], b[j, 0]), min(a[i, 1], b[j, 1])
        if hi > lo:
            total += int(hi - lo)
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return total


def dwell_split(*, arrived: int, entered: int, ours: np.ndarray, partner: np.ndarray, service_s: int) -> DwellSplit:
    """Split [arrived, entered) (epoch seconds) by which post was closed; `ours`/`partner` are UTC open spans."""
    dwell = max(0, entered - arrived)
    a, b = _open_seconds(ours, arrived, entered), _open_seconds(partner, arrived, entered)
    ours_open = _length(a)
    both = _intersect_len(a, b)
    processing = min(both, max(0, service_s))
    return DwellSplit(dwell_s=dwell, processing_s=processing, waiting_open_s=both - processing,
                      waiting_ours_closed_s=dwell - ours_open, waiting_partner_closed_s=ours_open - both)


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
