"""Reference prices per HS6 × origin × period by an iterative MAD trim on log unit value (JRC/OLAF style).

`reference_prices(lines)` takes a frame with columns hs6, origin, period, value, mass_kg and gives per
key the fair unit value (median of the trimmed log unit values), its robust spread (1.4826 × MAD),
the transactions kept and the ones trimmed. `deviations(lines, refs)` measures each line two-sided
(positive = dearer than the reference, i.e. over-invoicing; negative = cheaper, under-invoicing), in
spreads. A deviation is a targeting signal, never a reason to reject a transaction value by itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAD_TO_SIGMA = 1.4826
TRIM_AT = 3.0  # spreads beyond which a line is an outlier and leaves the reference
ROUNDS = 5  # trim rounds; the median settles after two or three on real data
MIN_LINES = 5  # transactions a key needs before its price is trusted
SPREAD_FLOOR = 0.1  # log units: goods whose price never varied still get finite deviations
KEYS = ["hs6", "origin", "period"]


def log_unit_value(lines: pd.DataFrame) -> np.ndarray:
    """log(value / kg), NaN where value or mass is missing or not positive."""
    value = lines["value"].to_numpy(dtype=np.float64)
    mass = lines["mass_kg"].to_numpy(dtype=np.float64)
    ok = (value > 0) & (mass > 0)
    return np.where(ok, np.log(np.where(ok, value, 1.0) / np.where(ok, mass, 1.0)), np.nan)


def reference_prices(lines: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Trimmed median, spread, kept and trimmed counts of log unit value per key (only keys with enough lines)."""
    keys = keys or KEYS
    frame = lines[keys].copy()
    frame["luv"] = log_unit_value(lines)
    frame = frame.dropna(subset=["luv"])
    group = frame.groupby(keys, sort=False).ngroup().to_numpy()
    luv = frame["luv"].to_numpy()
    keep = np.ones(len(frame), dtype=bool)
    for _ in range(ROUNDS):
        med = _group_median(group, luv, keep)
        dev = np.abs(luv - med[group])
        mad = _group_median(group, dev, keep)
        spread = np.maximum(MAD_TO_SIGMA * mad, SPREAD_FLOOR)
        new_keep = dev <= TRIM_AT * spread[group]
        if np.array_equal(new_keep, keep):
            break
        keep = new_keep
    med = _group_median(group, luv, keep)
    mad = _group_median(group, np.abs(luv - med[group]), keep)
    firsts = frame.groupby(group, sort=True)[keys].first()
    out = firsts.assign(median=med, spread=np.maximum(MAD_TO_SIGMA * mad, SPREAD_FLOOR),
                        lines=np.bincount(group, weights=keep).astype(np.int64),
                        trimmed=np.bincount(group, weights=~keep).astype(np.int64))
    out["unit_value_kg"] = np.exp(out["median"])
    return out[out["lines"] >= MIN_LINES].set_index(keys)


def deviations(lines: pd.DataFrame, refs: pd.DataFrame, keys: list[str] | None = None) -> np.ndarray:
    """Spreads each line's log unit value lies from its key's reference (+ dearer, - cheaper, 0 = no reference)."""
    keys = keys or KEYS
    index = pd.MultiIndex.from_frame(lines[keys]) if len(keys) > 1 else pd.Index(lines[keys[0]])
    ref = refs.reindex(index)
    z = (log_unit_value(lines) - ref["median"].to_numpy()) / ref["spread"].to_numpy()
    return np.nan_to_num(z, nan=0.0)


def _group_median(group: np.ndarray, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Median of `values[mask]` per group id (NaN for a group with nothing kept)."""
    n = int(group.max()) + 1 if len(group) else 0
    series = pd.Series(values[mask]).groupby(group[mask]).median()
    return series.reindex(range(n)).to_numpy()
