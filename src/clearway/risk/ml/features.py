"""Model features, one definition for training, online scoring and batch scoring.

`fit_state(history)` learns what features need from the past: vocabularies and, per key
family, running totals by day (see `history`). `build_features(frame, state)` reads each row's
histories as of the day before its lodgement, so the same call gives time-ordered features on
the training data itself and fully informed features on new declarations. `build_row` is the
scalar twin for one declaration; both end in `_assemble`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clearway.risk.ml.atoms import TEXT_ATOMS, Atoms, frame_atoms, record_atoms
from clearway.risk.ml.history import STATS, HistoryTable, mix

# Key families: whose past is looked up. "all" gives the overall hit rate that smooths the others.
FAMILIES: dict[str, tuple[str, ...]] = {
    "all": (),
    "line": ("hs6", "origin_country", "value_k", "mass_k", "rate_k", "duty_type"),
    "hs6_value": ("hs6", "value_k"),
    "hs6_mass": ("hs6", "mass_k"),
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "hs6_origin": ("hs6", "origin_country"),
    "hs6_duty": ("hs6", "rate_k", "duty_type"),
    "tariff": ("rate_k", "duty_type"),
    "declarant": ("declarant_id",),
    "importer": ("importer_id",),
    "seller": ("seller_id",),
    "trader": ("declarant_id", "importer_id"),
    "route": ("departure_country", "origin_country", "office"),
}
UNIT_VALUE_FAMILIES = ("hs6", "hs6_origin")  # reference unit values live here
KINDS = ("n", "lab", "rate", "age", "uv_dev", "uv_z")
SELECTED: dict[str, tuple[str, ...]] = {
    "line": ("n", "lab", "rate", "age"),
    "hs6_value": ("n", "lab", "rate"),
    "hs6_mass": ("n", "rate"),
    "hs6": ("n", "rate", "uv_dev", "uv_z"),
    "hs4": ("rate",),
    "hs6_origin": ("n", "rate", "age", "uv_dev", "uv_z"),
    "hs6_duty": ("n", "rate"),
    "tariff": ("rate",),
    "declarant": ("n", "rate", "age"),
    "importer": ("n", "rate", "age"),
    "seller": ("n", "rate", "age"),
    "trader": ("n", "rate"),
    "route": ("n", "rate"),
}
NUMERIC = ("duty_rate", "log_value", "log_mass", "log_unit_value")
CATEGORICAL = (
    "office", "transport_mode", "duty_type", "procedure", "import_type", "import_use",
    "payment_type", "origin_indicator", "origin_country", "departure_country", "seller_country",
)
FEATURE_NAMES = [
    *(f"{f}_{k}" for f, ks in SELECTED.items() for k in ks), *NUMERIC, *(f"{c}_code" for c in CATEGORICAL),
]
SMOOTHING = 5.0  # pseudo-inspections at the overall rate: 1 hit in 1 check is not a 100 % trader
UV_VAR_FLOOR = 0.05  # keeps z-scores finite for goods whose past unit values never varied
VOCAB = tuple(sorted({a for parts in FAMILIES.values() for a in parts if a in TEXT_ATOMS} | set(CATEGORICAL)))

_FAMILY_ORDER = list(FAMILIES)
_PICK = np.array([_FAMILY_ORDER.index(f) * len(KINDS) + KINDS.index(k) for f, ks in SELECTED.items() for k in ks])
_S = {name: i for i, name in enumerate(STATS)}
_CHUNK = 8192  # rows per step of a batch: keeps the (rows × families × stats) temporaries in cache


@dataclass
class FeatureState:
    """What features know about the past: vocabularies and per-family histories."""

    vocab: dict[str, list[str]]
    tables: dict[str, HistoryTable] = field(default_factory=dict)
    window: tuple[int, int] = (0, 0)  # first and last lodgement day of the history (days since 1970)
    rows: int = 0
    labelled: int = 0
    revenue_ratio: float = 1.0  # recovered revenue per unit of declared duty, among past hits
    _index: dict[str, pd.Index] = field(default_factory=dict, repr=False)
    _dicts: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    def codes_many(self, atoms: Atoms) -> dict[str, np.ndarray]:
        """Vocabulary codes (-1 unknown) of a batch, plus its exact-amount keys."""
        for col in VOCAB:
            if col not in self._index:
                self._index[col] = pd.Index(self.vocab[col], dtype=object)
        codes = {c: self._index[c].get_indexer(atoms.text[c]).astype(np.int64) for c in VOCAB}
        return codes | atoms.amounts

    def warm(self) -> FeatureState:
        """Prepare the one-row lookups now, so that a server's first request is not the slow one."""
        if not self._dicts:
            self._dicts = {c: {v: i for i, v in enumerate(self.vocab[c])} for c in VOCAB}
        for table in self.tables.values():
            table.warm()
        return self

    def codes_one(self, atoms: Atoms) -> dict[str, int]:
        """Vocabulary codes (-1 unknown) of one record, plus its exact-amount keys."""
        if not self._dicts:
            self.warm()
        return {c: self._dicts[c].get(atoms.text[c], -1) for c in VOCAB} | atoms.amounts

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: no code, only data."""
        return {"format": 1, "families": FAMILIES, "window": list(self.window), "rows": self.rows,
                "labelled": self.labelled, "revenue_ratio": self.revenue_ratio, "vocab": self.vocab,
                "tables": {f: t.to_json(with_unit_values=f in UNIT_VALUE_FAMILIES) for f, t in self.tables.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureState:
        """Rebuild a state written by `to_json`."""
        tables = {f: HistoryTable.from_json(t) for f, t in data["tables"].items()}
        return cls(vocab=data["vocab"], tables=tables, window=tuple(data["window"]), rows=data["rows"],
                   labelled=data["labelled"], revenue_ratio=data["revenue_ratio"])


def fit_state(history: pd.DataFrame) -> FeatureState:
    """Learn vocabularies, per-key histories and the revenue ratio from past declarations."""
    atoms = frame_atoms(history)
    state = FeatureState(vocab={c: sorted({v for v in atoms.text[c].tolist() if isinstance(v, str) and v})
                                for c in VOCAB})
    codes = state.codes_many(atoms)
    y = history["fraud"].to_numpy(np.float64) if "fraud" in history else np.full(len(history), np.nan)
    luv = _log_unit_value(atoms.numbers["value"], atoms.numbers["net_mass_kg"])
    for family, parts in FAMILIES.items():
        h, known = _key(codes, parts, len(history))
        state.tables[family] = HistoryTable.fit(h, known, atoms.day, y, luv)
    state.window = (int(atoms.day.min()), int(atoms.day.max())) if len(history) else (0, 0)
    state.rows, state.labelled = len(history), int(np.sum(~np.isnan(y)))
    state.revenue_ratio = _revenue_ratio(history)
    return state


def build_features(frame: pd.DataFrame, state: FeatureState) -> np.ndarray:
    """Feature matrix (rows × FEATURE_NAMES) of declarations, each as of its lodgement day."""
    atoms = frame_atoms(frame)
    codes = state.codes_many(atoms)
    out = np.empty((len(frame), len(FEATURE_NAMES)))
    for start in range(0, len(frame), _CHUNK):
        part = slice(start, start + _CHUNK)
        day = atoms.day[part]
        lookups = [state.tables[f].lookup_many(*_key({c: codes[c][part] for c in parts}, parts, len(day)), day)
                   for f, parts in FAMILIES.items()]
        numbers = {k: v[part] for k, v in atoms.numbers.items()}
        out[part] = _assemble(np.stack(lookups, axis=1), day, numbers, {c: codes[c][part] for c in CATEGORICAL})
    return out


@dataclass(frozen=True)
class RowFeatures:
    """One declaration's features, with the histories and atoms they came from (for explanations)."""

    x: np.ndarray  # shape (1, len(FEATURE_NAMES))
    stats: dict[str, dict[str, float]]  # family -> STATS
    atoms: Atoms


def build_row(record: Mapping[str, Any], state: FeatureState) -> RowFeatures:
    """Features of one declaration item given with canonical field names; no pandas on this path."""
    atoms = record_atoms(record)
    codes = state.codes_one(atoms)
    looked = []
    for family, parts in FAMILIES.items():
        h, known = _key(codes, parts, None)
        looked.append(state.tables[family].lookup_one(h if known else None, atoms.day))
    numbers = {k: np.array([v]) for k, v in atoms.numbers.items()}
    x = _assemble(np.array([looked]), np.array([atoms.day]), numbers, {c: np.array([codes[c]]) for c in CATEGORICAL})
    stats = {f: dict(zip(STATS, s, strict=True)) for f, s in zip(FAMILIES, looked, strict=True)}
    return RowFeatures(x=x, stats=stats, atoms=atoms)


def _key(codes: Mapping[str, Any], parts: tuple[str, ...], n: int | None) -> tuple[Any, Any]:
    """Hash of a family's atoms and whether all of them are known; scalars when `n` is None."""
    h: Any = 0 if n is None else np.zeros(n, dtype=np.uint64)
    known: Any = True if n is None else np.ones(n, dtype=bool)
    for part in parts:
        code = codes[part]
        known = known & (code >= 0)
        h = mix(h, code if n is None else code.view(np.uint64))
    return h, known


def _assemble(stats: np.ndarray, day: np.ndarray, numbers: Mapping[str, np.ndarray],
              codes: Mapping[str, np.ndarray]) -> np.ndarray:
    """Turn looked-up histories (rows × families × STATS) and raw values into the feature matrix."""
    n, lab, hits = stats[..., _S["n"]], stats[..., _S["lab"]], stats[..., _S["hits"]]
    luv = _log_unit_value(numbers["value"], numbers["net_mass_kg"])
    with np.errstate(divide="ignore", invalid="ignore"):
        prior = (hits[:, 0] + 1.0) / (lab[:, 0] + 2.0)  # family 0 is "all"
        rate = (hits + SMOOTHING * prior[:, None]) / (lab + SMOOTHING)
        mean = stats[..., _S["s1"]] / stats[..., _S["uvn"]]
        spread = np.sqrt(np.maximum(stats[..., _S["s2"]] / stats[..., _S["uvn"]] - mean * mean, 0.0) + UV_VAR_FLOOR)
        dev = luv[:, None] - mean
        kinds = np.stack([n, lab, rate, day[:, None] - stats[..., _S["first"]], dev, dev / spread], axis=2)
        numeric = np.column_stack([numbers["duty_rate"], np.log1p(numbers["value"]),
                                   np.log1p(numbers["net_mass_kg"]), luv])
    cats = np.column_stack([codes[c] for c in CATEGORICAL]).astype(np.float64)
    cats[cats < 0] = np.nan
    return np.concatenate([kinds.reshape(len(day), -1)[:, _PICK], numeric, cats], axis=1)


def _log_unit_value(value: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """log(value per kg), NaN where value or mass is zero or unknown."""
    ok = (value > 0) & (mass > 0)
    return np.where(ok, np.log(np.where(ok, value, 1.0) / np.where(ok, mass, 1.0)), np.nan)


def _revenue_ratio(history: pd.DataFrame) -> float:
    """Recovered revenue per unit of declared duty among past hits; 1 when history cannot tell."""
    if "revenue_recovered" not in history or "fraud" not in history:
        return 1.0
    hits = history[(history["fraud"] == 1) & history["revenue_recovered"].notna()]
    duty = (hits["value"] * hits["duty_rate"] / 100.0).sum()
    return float(hits["revenue_recovered"].sum() / duty) if duty > 0 else 1.0
