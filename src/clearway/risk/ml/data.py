"""Load declaration files through a column mapping into Clearway's canonical frame."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from clearway.risk.ml.mappings import (
    CANONICAL_NUMBERS,
    CANONICAL_TEXT,
    REQUIRED,
    ColumnMapping,
)

LABELS = ("fraud", "revenue_recovered", "critical")


class DataError(ValueError):
    """A declarations file does not fit its mapping (missing column, unreadable value)."""


def load(paths: Iterable[str | Path], mapping: ColumnMapping, *, with_labels: bool) -> pd.DataFrame:
    """Read files into one canonical frame; label columns are read only when `with_labels`."""
    frames = [_read(Path(p), mapping, with_labels=with_labels) for p in paths]
    if not frames:
        raise DataError("no data file given")
    return pd.concat(frames, ignore_index=True)


def _read(path: Path, mapping: ColumnMapping, *, with_labels: bool) -> pd.DataFrame:
    """Read one file, asking the CSV reader only for the columns we are allowed to see."""
    header = set(pd.read_csv(path, nrows=0).columns)
    missing = [c for c in REQUIRED if c not in mapping.constants and mapping.columns.get(c) not in header]
    if missing:
        raise DataError(f"{path.name}: mapping {mapping.name!r} needs columns for {missing}")
    wanted = [c for c in mapping.feature_sources() if c in header]
    if with_labels:
        wanted += [c for c in mapping.labels.values() if c in header]
    # usecols keeps outcome columns out of memory entirely when scoring: scores cannot leak them.
    raw = pd.read_csv(path, usecols=wanted, dtype=str, keep_default_na=False)
    return canonical(raw, mapping, with_labels=with_labels, source=path.name)


def canonical(raw: pd.DataFrame, mapping: ColumnMapping, *, with_labels: bool, source: str = "") -> pd.DataFrame:
    """Rename, clean and type the columns of a raw string frame."""
    out = pd.DataFrame(index=raw.index)
    for col in CANONICAL_TEXT:
        src = mapping.columns.get(col)
        out[col] = raw[src].str.strip() if src in raw else str(mapping.constants.get(col, ""))
    out["lodged_at"] = _times(raw[mapping.columns["lodged_at"]], mapping, source)
    for col in CANONICAL_NUMBERS:
        src = mapping.columns.get(col)
        if src in raw:
            out[col] = _numbers(raw[src], col, source)
        else:
            out[col] = float(mapping.constants.get(col, 1 if col == "item_no" else np.nan))  # type: ignore[arg-type]
    if with_labels:
        _add_labels(out, raw, mapping, source)
    return out


def _add_labels(out: pd.DataFrame, raw: pd.DataFrame, mapping: ColumnMapping, source: str) -> None:
    """Attach fraud (0/1, NaN when never controlled) and recovered revenue, when the file has them."""
    for col in LABELS:
        src = mapping.labels.get(col)
        if src in raw:
            out[col] = _numbers(raw[src], col, source)
    if "fraud" in out and not out["fraud"].dropna().isin([0.0, 1.0]).all():
        raise DataError(f"{source}: fraud must be 0, 1 or empty")
    if "fraud" in out and "revenue_recovered" not in out and mapping.derive_revenue is not None:
        out["revenue_recovered"] = mapping.derive_revenue(out)
    if "fraud" in out:
        out["critical"] = critical_labels(out, mapping)


def critical_labels(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.Series:
    """Serious fraud (0/1, NaN when never controlled): the source's seriousness at or above the mapping's level,
    else (no seriousness column) a finding whose recovered revenue reaches the mapping's threshold."""
    fraud = frame["fraud"]
    if "critical" in frame:
        serious = frame["critical"].fillna(0.0) >= mapping.critical_level
    elif "revenue_recovered" in frame:
        serious = frame["revenue_recovered"].fillna(0.0) >= mapping.critical_revenue
    else:
        serious = pd.Series(False, index=frame.index)
    return pd.Series(np.where(fraud == 1, serious.astype(np.float64), 0.0), index=frame.index).where(fraud.notna())


def _numbers(col: pd.Series, name: str, source: str) -> pd.Series:
    """Parse a numeric column, empty meaning unknown; refuse anything else that is not a number."""
    values = pd.to_numeric(col.replace("", None), errors="coerce").astype("float64")
    bad = values.isna() & col.ne("")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{source}: column for {name} has a non-number {col.iloc[row]!r} at data row {row + 1}")
    return values


def _times(col: pd.Series, mapping: ColumnMapping, source: str) -> pd.Series:
    """Parse lodgement times to UTC (a date-only source means midnight UTC)."""
    try:
        return pd.to_datetime(col, format=mapping.date_format or "ISO8601", utc=True)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{source}: unreadable lodgement time ({exc})") from None
