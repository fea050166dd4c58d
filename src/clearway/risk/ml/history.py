"""Per-key histories (counts, outcomes, unit values, first seen) readable as of any day.

A table keeps, for every key (an importer, a goods line, an HS6 × origin pair ...), one entry
per day on which the key occurred, with running totals up to and including that day. Looking a
row up "as of day t" takes the last entry strictly before t, so a row never sees its own day,
let alone later outcomes. Training rows and new declarations go through the same lookup.
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
import pandas as pd

# Running totals kept per entry: declarations, labelled ones, hits, unit values seen, Σ log uv, Σ log² uv.
TOTALS = ("n", "lab", "hits", "uvn", "s1", "s2")
# A looked-up row: the totals, then first and last day the key was seen (NaN if never).
STATS = (*TOTALS, "first", "last")
_DAY_SLOTS = 1 << 17  # days since 1970 stay below this until the year 2328
_M64 = (1 << 64) - 1


def mix(h: Any, code: Any) -> Any:
    """Fold one atom code into a 64-bit key hash; works on Python ints and uint64 arrays alike."""
    z = (h ^ code) + 0x9E3779B97F4A7C15 & _M64
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & _M64
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB & _M64
    return z ^ (z >> 31)


class HistoryTable:
    """Running totals per (key, day), looked up as of a day."""

    def __init__(self, keys: np.ndarray, entry_key: np.ndarray, entry_day: np.ndarray, totals: np.ndarray):
        self.keys = keys.astype(np.uint64)  # sorted unique key hashes
        self.entry_key = entry_key.astype(np.int64)  # entries sorted by (key, day)
        self.entry_day = entry_day.astype(np.int64)
        self.totals = totals.astype(np.float64)  # (entries, len(TOTALS)), cumulative per key
        self.slot = self.entry_key * _DAY_SLOTS + self.entry_day
        self.first_entry = np.searchsorted(self.entry_key, np.arange(len(self.keys)))
        self.last_entry = np.append(self.first_entry[1:], len(self.entry_key)) - 1
        self._hashed: pd.Index | None = None
        self._index: dict[int, int] | None = None
        self._slots: list[int] | None = None

    @classmethod
    def fit(cls, h: np.ndarray, known: np.ndarray, day: np.ndarray, y: np.ndarray, luv: np.ndarray) -> HistoryTable:
        """Build the table from history rows: key hashes, days, labels (NaN = unknown), log unit values."""
        keys, inverse = np.unique(h[known], return_inverse=True)
        y, luv = y[known], luv[known]
        has_uv = ~np.isnan(luv)
        rows = pd.DataFrame({
            "k": inverse, "t": day[known], "n": 1.0, "lab": (~np.isnan(y)).astype(float),
            "hits": (y == 1).astype(float), "uvn": has_uv.astype(float),
            "s1": np.where(has_uv, luv, 0.0), "s2": np.where(has_uv, luv * luv, 0.0),
        })
        per_day = rows.groupby(["k", "t"], sort=True).sum()
        totals = per_day.groupby(level=0).cumsum()
        return cls(keys, per_day.index.get_level_values(0).to_numpy(),
                   per_day.index.get_level_values(1).to_numpy(), totals[list(TOTALS)].to_numpy())

    def lookup_many(self, h: np.ndarray, known: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Stats (rows × STATS) of each key as of the day before each row's day."""
        out = np.zeros((len(h), len(STATS)))
        out[:, -2:] = np.nan
        if self._hashed is None:
            self._hashed = pd.Index(self.keys)  # a hash table: ten times a binary search here
        ki = self._hashed.get_indexer(h)
        rows = np.flatnonzero(known & (ki >= 0))
        ki, day = ki[rows], day[rows]
        pos = self.last_entry[ki]
        # New declarations come after their keys' last entry; only older rows need a search.
        older = self.entry_day[pos] >= day
        if older.any():
            pos[older] = np.searchsorted(self.slot, ki[older] * _DAY_SLOTS + day[older], side="left") - 1
        seen = pos >= self.first_entry[ki]
        rows, pos, ki = rows[seen], pos[seen], ki[seen]
        out[rows, : len(TOTALS)] = self.totals[pos]
        out[rows, -2] = self.entry_day[self.first_entry[ki]]
        out[rows, -1] = self.entry_day[pos]
        return out

    def warm(self) -> None:
        """Build the dict and list the one-row lookup uses (done on first use otherwise)."""
        if self._index is None:
            self._index = {int(k): i for i, k in enumerate(self.keys.tolist())}
            self._slots = self.slot.tolist()

    def lookup_one(self, h: int | None, day: int) -> list[float]:
        """Stats of one key as of the day before `day`; the scalar twin of `lookup_many`."""
        self.warm()
        assert self._index is not None
        ki = self._index.get(h) if h is not None else None
        if ki is None:
            return [0.0] * len(TOTALS) + [np.nan, np.nan]
        assert self._slots is not None
        pos = bisect.bisect_left(self._slots, ki * _DAY_SLOTS + day) - 1
        if pos < 0 or self.entry_key[pos] != ki:
            return [0.0] * len(TOTALS) + [np.nan, np.nan]
        return [*self.totals[pos].tolist(), float(self.entry_day[self.first_entry[ki]]), float(self.entry_day[pos])]

    def to_json(self, *, with_unit_values: bool) -> dict[str, Any]:
        """Plain lists for JSON; unit-value sums only where a feature uses them."""
        counts = self.totals[:, :4].astype(np.int64).T.tolist()
        data: dict[str, Any] = {"keys": [int(k) for k in self.keys.tolist()],
                                "entry_key": self.entry_key.tolist(), "entry_day": self.entry_day.tolist(),
                                **dict(zip(TOTALS[:4], counts, strict=True))}
        if with_unit_values:
            data["s1"] = self.totals[:, 4].tolist()
            data["s2"] = self.totals[:, 5].tolist()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HistoryTable:
        """Rebuild a table written by `to_json`."""
        n = len(data["entry_key"])
        cols = [np.asarray(data.get(t, np.zeros(n)), dtype=np.float64) for t in TOTALS]
        totals = np.stack(cols, axis=1) if n else np.zeros((0, len(TOTALS)))
        return cls(np.asarray(data["keys"], dtype=np.uint64), np.asarray(data["entry_key"], dtype=np.int64),
                   np.asarray(data["entry_day"], dtype=np.int64), totals)
