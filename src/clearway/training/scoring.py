"""Scoring against ground truth: signal-detection counts, rates with Wilson intervals, and split-half reliability.

Pure functions over plain values, so the same arithmetic scores exercises, projections and the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

Z95 = 1.959964


@dataclass(frozen=True)
class Counts:
    """Hits (fraud flagged), misses (fraud cleared), false alarms (compliant flagged), correct rejections."""

    hits: int = 0
    misses: int = 0
    false_alarms: int = 0
    correct_rejections: int = 0

    @property
    def frauds(self) -> int:
        """Fraudulent cases seen."""
        return self.hits + self.misses

    @property
    def compliant(self) -> int:
        """Compliant cases seen."""
        return self.false_alarms + self.correct_rejections


def outcome_of(fraud: bool, flagged: bool) -> str:
    """The signal-detection outcome of one decision."""
    if fraud:
        return "hit" if flagged else "miss"
    return "false_alarm" if flagged else "correct"


def counted(outcomes: Sequence[str]) -> Counts:
    """Counts from a list of outcomes ('hit', 'miss', 'false_alarm', 'correct')."""
    return Counts(hits=outcomes.count("hit"), misses=outcomes.count("miss"),
                  false_alarms=outcomes.count("false_alarm"), correct_rejections=outcomes.count("correct"))


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without observations)."""
    if total <= 0:
        return None
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def d_prime(c: Counts) -> float | None:
    """Sensitivity d' with the log-linear correction (defined even at 0 % or 100 %); None without both kinds."""
    if c.frauds == 0 or c.compliant == 0:
        return None
    hit = (c.hits + 0.5) / (c.frauds + 1)
    false_alarm = (c.false_alarms + 0.5) / (c.compliant + 1)
    norm = NormalDist()
    return norm.inv_cdf(hit) - norm.inv_cdf(false_alarm)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation (None when either side does not vary)."""
    n = len(xs)
    if n < 3 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def split_half(detections: Sequence[Sequence[int]]) -> float | None:
    """Split-half reliability of per-person detection rates: odd against even events, Spearman-Brown corrected.

    `detections` holds, per person, 1 for a detected projected threat and 0 for a missed one, in order.
    """
    odd, even = [], []
    for events in detections:
        first, second = events[0::2], events[1::2]
        if not first or not second:
            continue
        odd.append(sum(first) / len(first))
        even.append(sum(second) / len(second))
    r = pearson(odd, even)
    return None if r is None else 2 * r / (1 + r)
