"""Turn declarations, a canonical frame or one record, into the atoms features are made of.

Both entry points must agree value for value: the batch path works on whole columns, the
one-record path on Python scalars because numpy and pandas cost microseconds per call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

TEXT_ATOMS = (
    "office", "declarant_id", "importer_id", "seller_id", "origin_country", "departure_country",
    "transport_mode", "duty_type", "procedure", "import_type", "import_use", "payment_type",
    "origin_indicator", "seller_country", "hs6", "hs4",
)
NUMBERS = ("value", "net_mass_kg", "duty_rate")
# Exact-amount keys: declared value to the cent, mass to the gram, duty rate to 1/100 point.
# A repeated (goods, origin, value, mass, duty) line is a repeat consignment, not a coincidence.
AMOUNT_KEYS = {"value_k": ("value", 100.0), "mass_k": ("net_mass_kg", 1000.0), "rate_k": ("duty_rate", 100.0)}
_NOT_DIGIT = re.compile(r"\D")
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Atoms:
    """Normalised inputs: arrays for a batch, plain scalars for one record."""

    day: Any  # days since 1970-01-01 (UTC) of lodgement
    text: dict[str, Any]  # cleaned strings, "" when unknown
    amounts: dict[str, Any]  # exact-amount keys, -1 when unknown
    numbers: dict[str, Any]  # floats, NaN when unknown


def frame_atoms(frame: pd.DataFrame) -> Atoms:
    """Atoms of every row of a canonical frame, as numpy arrays."""
    hs6 = _hs6_column(frame["hs_code"])
    text = {c: frame[c].to_numpy(dtype=object) for c in TEXT_ATOMS[:-2]}
    text["hs6"] = hs6
    text["hs4"] = _map(hs6, _hs4)
    numbers = {c: frame[c].to_numpy(dtype=np.float64) for c in NUMBERS}
    amounts = {}
    for key, (col, scale) in AMOUNT_KEYS.items():
        v = numbers[col]
        ok = np.isfinite(v) & (v >= 0)
        amounts[key] = np.where(ok, np.round(np.where(ok, v, 0.0) * scale), -1).astype(np.int64)
    stamps = frame["lodged_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    day = stamps.astype("datetime64[D]").astype(np.int64)
    return Atoms(day=day, text=text, amounts=amounts, numbers=numbers)


def _hs6(code: str) -> str:
    """HS6 of a commodity code written with or without dots and national digits; "" if too short."""
    digits = _NOT_DIGIT.sub("", code)
    return digits[:6] if len(digits) >= 6 else ""


def _hs4(hs6: str) -> str:
    """Heading of an HS6 code."""
    return hs6[:4]


def _hs6_column(codes: pd.Series) -> np.ndarray:
    """`_hs6` of a whole column, cleaning each distinct code once."""
    return _map(codes.astype(str).to_numpy(dtype=object), _hs6)


def _map(values: np.ndarray, clean: Callable[[str], str]) -> np.ndarray:
    """Apply a string function to each distinct value only: a batch repeats its codes a lot."""
    positions, uniques = pd.factorize(values)
    return np.array([clean(u) for u in uniques.tolist()], dtype=object)[positions]


def record_atoms(record: Mapping[str, Any]) -> Atoms:
    """Atoms of one declaration item given with canonical field names, as Python scalars."""
    text = {c: _text(record.get(c)) for c in TEXT_ATOMS[:-2]}
    text["hs6"] = _hs6(_text(record.get("hs_code")))
    text["hs4"] = _hs4(text["hs6"])
    numbers = {c: _number(record.get(c)) for c in NUMBERS}
    amounts = {
        key: round(numbers[col] * scale) if math.isfinite(numbers[col]) and numbers[col] >= 0 else -1
        for key, (col, scale) in AMOUNT_KEYS.items()
    }
    return Atoms(day=lodgement_day(record.get("lodged_at")), text=text, amounts=amounts, numbers=numbers)


def lodgement_day(value: Any) -> int:
    """Days since 1970-01-01 of a UTC lodgement time (ISO string, date or datetime)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
    if not isinstance(value, date):
        raise ValueError(f"lodged_at must be an ISO 8601 time, got {value!r}")
    return (value - _EPOCH).days


def _text(value: Any) -> str:
    """Clean a text field the way the file loader does."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: Any) -> float:
    """Read a number given as int, float, Decimal or string; empty means unknown."""
    if value is None or value == "":
        return math.nan
    return float(value)
