"""Joint open windows of a pair of posts, the gaps where one side waits for the other, and their cost.

Everything is computed on UTC epoch-second intervals (schedule.open_intervals), so two posts in
different zones, with or without daylight saving, compare instant for instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from clearway.borderposts.schedule import Schedule, open_intervals, sorted_unique

WEEK = 7 * 86_400


def _open_at(spans: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each point, whether it lies in one of the sorted disjoint [a, b) spans."""
    if len(spans) == 0:
        return np.zeros(len(points), dtype=bool)
    i = np.searchsorted(spans[:, 0], points, side="right") - 1
    return (i >= 0) & (points < spans[np.maximum(i, 0), 1])


@dataclass(frozen=True)
class Segments:
    """The timeline cut at every boundary of either side: [starts[i], ends[i]) with each side's state."""

    starts: np.ndarray
    ends: np.ndarray
    ours: np.ndarray  # bool: our post open
    theirs: np.ndarray  # bool: partner post open

    def spans(self, mask: np.ndarray) -> np.ndarray:
        """The merged (n, 2) spans where mask holds."""
        if not mask.any():
            return np.zeros((0, 2), dtype=np.int64)
        s, e = self.starts[mask], self.ends[mask]
        joined = np.ones(len(s), dtype=bool)
        joined[1:] = s[1:] != e[:-1]
        idx = np.flatnonzero(joined)
        last = np.append(idx[1:] - 1, len(s) - 1)
        return np.stack([s[idx], e[last]], axis=1)

    def seconds(self, mask: np.ndarray) -> int:
        """Total seconds where mask holds."""
        return int((self.ends - self.starts)[mask].sum())


def segments(ours: np.ndarray, theirs: np.ndarray, lo: int, hi: int) -> Segments:
    """Cut [lo, hi) at every boundary of both sides' open spans."""
    points = sorted_unique(np.concatenate([np.array([lo, hi], dtype=np.int64), ours.ravel(), theirs.ravel()]))
    points = points[(points >= lo) & (points <= hi)]
    starts, ends = points[:-1], points[1:]
    return Segments(starts, ends, _open_at(ours, starts), _open_at(theirs, starts))


@dataclass(frozen=True)
class PairWindows:
    """Joint open time and the two kinds of gap over a period, in seconds and as spans."""

    lo: int
    hi: int
    ours_open_s: int
    theirs_open_s: int
    joint_s: int
    ours_only_s: int  # our post open, the partner closed: trucks leave us and wait at the partner
    theirs_only_s: int  # the partner open, we are closed
    joint: np.ndarray
    ours_only: np.ndarray
    theirs_only: np.ndarray

    @property
    def weeks(self) -> float:
        """Length of the period in weeks."""
        return (self.hi - self.lo) / WEEK

    def weekly_h(self, seconds: int) -> float:
        """Seconds over the period as hours per week."""
        return seconds / 3600 / self.weeks if self.weeks else 0.0

    @property
    def alignment(self) -> float | None:
        """Joint open time as a share of the time either side is open (1.0 = perfectly aligned)."""
        either = self.joint_s + self.ours_only_s + self.theirs_only_s
        return self.joint_s / either if either else None


def pair_windows(ours: Schedule, theirs: Schedule, start: date, end: date) -> PairWindows:
    """Joint windows and gaps of two posts over the UTC days [start, end)."""
    # Each side's local days are expanded a day wider than the UTC period, then clipped to it.
    a = open_intervals(ours, start - timedelta(days=1), end + timedelta(days=1))
    b = open_intervals(theirs, start - timedelta(days=1), end + timedelta(days=1))
    return windows_of(a, b, _day_s(start), _day_s(end))


def windows_of(a: np.ndarray, b: np.ndarray, lo: int, hi: int) -> PairWindows:
    """Joint windows and gaps of two UTC interval sets over [lo, hi)."""
    seg = segments(a, b, lo, hi)
    joint, ours_only, theirs_only = seg.ours & seg.theirs, seg.ours & ~seg.theirs, ~seg.ours & seg.theirs
    return PairWindows(lo=lo, hi=hi, ours_open_s=seg.seconds(seg.ours), theirs_open_s=seg.seconds(seg.theirs),
                       joint_s=seg.seconds(joint), ours_only_s=seg.seconds(ours_only),
                       theirs_only_s=seg.seconds(theirs_only), joint=seg.spans(joint),
                       ours_only=seg.spans(ours_only), theirs_only=seg.spans(theirs_only))


def _day_s(day: date) -> int:
    return (day - date(1970, 1, 1)).days * 86_400


def joint_cut(before: PairWindows, after: PairWindows) -> float:
    """Share of joint open time a change removes (negative when it adds)."""
    if before.joint_s == 0:
        return 0.0
    return (before.joint_s - after.joint_s) / before.joint_s
