"""Log-bucketed duration histograms: percentiles within ALPHA relative error from counts that add up.

A duration x (seconds, either sign) falls in bucket key(x) = sign(x) × (1 + ⌈log_γ |x|⌉), with
γ = (1 + ALPHA) / (1 − ALPHA), and is read back as the bucket's representative 2γ^i / (γ + 1),
which is within ALPHA of every value of the bucket (the DDSketch construction). Keys grow with
x, so cumulative counts over sorted keys rank values; merging two histograms is adding counts,
so histograms kept per (month, office, channel, mode, operator status) can be combined into any
coarser grouping without going back to the timelines. Stored packed: (int8 interval, int16 key,
int32 count) entries in (interval, key) order, every interval of a cell in one value.
"""

from __future__ import annotations

import math

import numpy as np

ALPHA = 0.005  # the largest relative error of a reported percentile's ranked values
GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)
ENTRY = np.dtype([("interval", "i1"), ("key", "<i2"), ("count", "<i4")])


def keys_of(x: np.ndarray) -> np.ndarray:
    """The bucket key of each duration (int16; 0 for zero)."""
    magnitude = np.abs(x.astype(np.float64))
    with np.errstate(divide="ignore"):
        index = np.ceil(np.log(np.maximum(magnitude, 1.0)) / _LOG_GAMMA)
    return (np.sign(x) * (1 + index) * (magnitude > 0)).astype(np.int16)


def representatives(keys: np.ndarray) -> np.ndarray:
    """The value a bucket stands for: within ALPHA of each value in it."""
    magnitude = np.abs(keys.astype(np.float64))
    value = 2 * np.power(GAMMA, np.maximum(magnitude - 1, 0)) / (GAMMA + 1)
    return np.where(keys == 0, 0.0, np.sign(keys) * value)


def pack(intervals: np.ndarray, keys: np.ndarray, counts: np.ndarray) -> bytes:
    """Sorted (interval, key, count) entries as stored bytes."""
    packed = np.empty(len(keys), dtype=ENTRY)
    packed["interval"], packed["key"], packed["count"] = intervals, keys, counts
    return packed.tobytes()


def unpack_many(blobs: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every stored histogram at once: (entries per value, intervals, keys, counts), concatenated."""
    sizes = np.fromiter((len(b) // ENTRY.itemsize for b in blobs), dtype=np.int64, count=len(blobs))
    entries = np.frombuffer(b"".join(blobs), dtype=ENTRY)
    return (sizes, entries["interval"].astype(np.int64), entries["key"].astype(np.int64),
            entries["count"].astype(np.int64))


def merge(groups: np.ndarray, keys: np.ndarray, counts: np.ndarray,
          n_groups: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add up counts of equal (group, key) pairs; the result is sorted by group, then key, without zeros.

    With few groups (n_groups given) the counts go into a dense (group, key) table; otherwise
    entries are sorted."""
    if len(keys) == 0:
        return groups, keys, counts
    low, span = int(keys.min()), int(keys.max()) - int(keys.min()) + 1
    if n_groups is not None and n_groups * span <= 8_000_000:
        dense = np.bincount(groups * span + (keys - low), weights=counts, minlength=n_groups * span)
        cells = np.flatnonzero(dense)
        return cells // span, cells % span + low, np.rint(dense[cells]).astype(np.int64)
    order = np.lexsort((keys, groups))
    g, k, c = groups[order], keys[order], counts[order]
    starts = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (k[1:] != k[:-1])])
    summed = np.add.reduceat(c, starts)
    keep = summed != 0
    return g[starts][keep], k[starts][keep], summed[keep]


def percentiles(groups: np.ndarray, keys: np.ndarray, counts: np.ndarray, n_groups: int,
                percents: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Per group (0 … n_groups − 1), percentile_cont of its merged histogram; NaN for an empty group.

    As percentile_cont: the value at rank (n − 1) × p, interpolated between the two ranks around
    it, each rank read as its bucket's representative. Input comes from `merge`."""
    totals = np.bincount(groups, weights=counts, minlength=n_groups).astype(np.int64)
    if len(keys) == 0:
        return {percent: np.full(n_groups, np.nan) for percent in percents}
    cumulative = np.cumsum(counts)
    base = np.r_[0, np.cumsum(totals)[:-1]]  # entries of earlier groups, in value ranks
    last = len(keys) - 1
    found: dict[int, np.ndarray] = {}
    for percent in percents:
        low, rest = np.divmod((totals - 1) * percent, 100)
        high = np.minimum(low + 1, totals - 1)
        # Representatives only of the buckets holding the wanted ranks.
        at_low = representatives(keys[np.minimum(np.searchsorted(cumulative, base + low, side="right"), last)])
        at_high = representatives(keys[np.minimum(np.searchsorted(cumulative, base + high, side="right"), last)])
        result = at_low + (at_high - at_low) * rest / 100
        found[percent] = np.where(totals > 0, result, np.nan)
    return found
