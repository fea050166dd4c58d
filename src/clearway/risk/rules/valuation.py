"""Unit-value detector: how far a declared value per kg falls below what the same goods usually declare.

`fit(history)` learns reference unit values from past declarations: the median and a robust spread
(1.4826 × median absolute deviation) of log(value / net mass) per HS6 × origin, and per HS6 alone
as a fallback where an origin has too few past lines. It reads declared values only, never an
outcome column, so any history of lodged declarations will do, inspected or not.
`score(frame, state)` gives each row the number of spreads its log unit value lies below its
reference: 0 at the median, 2 for "two spreads cheaper", negative for dearer goods, 0 where no
reference exists or the row has no value or mass. A cut at, say, 3 is a usable valuation rule;
ranked, it is a baseline any risk model must beat on undervaluation. `references(frame, state)`
shows the reference each row was measured against, for an analyst or an explanation, and
`reference_table(state)` lists the references as (hs6, origin or '' for any, unit value per kg).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clearway.risk.ml.atoms import frame_atoms

MIN_LINES = 5  # past lines a key needs before its median is trusted
SPREAD_FLOOR = 0.1  # in log units (≈ 10 %): goods whose past values never varied still get finite scores
MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation per median absolute deviation
BASES = ("hs6_origin", "hs6", "none")


@dataclass(frozen=True)
class ValuationState:
    """Reference log unit values (median, spread, lines) per HS6 × origin and per HS6."""

    by_origin: pd.DataFrame  # index (hs6, origin_country); columns median, spread, lines
    by_hs6: pd.DataFrame  # index hs6; same columns
    window: tuple[str, str]  # first and last lodgement date of the history, ISO
    rows: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, to store next to a rule or a model."""
        return {"format": 1, "window": list(self.window), "rows": self.rows,
                "by_origin": self.by_origin.reset_index().to_dict("list"),
                "by_hs6": self.by_hs6.reset_index().to_dict("list")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValuationState:
        """Rebuild a state written by `to_json`."""
        by_origin = pd.DataFrame(data["by_origin"]).set_index(["hs6", "origin_country"])
        by_hs6 = pd.DataFrame(data["by_hs6"]).set_index("hs6")
        return cls(by_origin=by_origin, by_hs6=by_hs6, window=(data["window"][0], data["window"][1]),
                   rows=data["rows"])


def fit(history: pd.DataFrame) -> ValuationState:
    """Learn reference unit values from past declarations (canonical frame); outcomes are never read."""
    lines = _lines(history).dropna(subset=["luv"])
    lines = lines[lines["hs6"] != ""]
    days = history["lodged_at"]
    window = (days.min().date().isoformat(), days.max().date().isoformat()) if len(history) else ("", "")
    return ValuationState(by_origin=_reference(lines, ["hs6", "origin_country"]), by_hs6=_reference(lines, ["hs6"]),
                          window=window, rows=len(history))


def score(frame: pd.DataFrame, state: ValuationState) -> np.ndarray:
    """Spreads below the reference unit value per row (higher = cheaper than usual; 0 = no evidence)."""
    ref = references(frame, state)
    z = (ref["median"].to_numpy() - ref["log_unit_value"].to_numpy()) / ref["spread"].to_numpy()
    return np.nan_to_num(z, nan=0.0)


def references(frame: pd.DataFrame, state: ValuationState) -> pd.DataFrame:
    """Each row's log unit value and the reference it is measured against (basis, median, spread, lines)."""
    lines = _lines(frame)
    pair = pd.MultiIndex.from_arrays([lines["hs6"], lines["origin_country"]])
    own = state.by_origin.reindex(pair).set_axis(lines.index)
    fallback = state.by_hs6.reindex(lines["hs6"]).set_axis(lines.index)
    use_own = own["lines"].notna().to_numpy()
    use_hs6 = ~use_own & fallback["lines"].notna().to_numpy()
    out = fallback.copy()
    out.loc[use_own] = own.loc[use_own].to_numpy()
    out.insert(0, "basis", np.select([use_own, use_hs6], BASES[:2], BASES[2]))
    out.insert(1, "log_unit_value", lines["luv"])
    out["unit_value_kg"] = np.exp(out["median"])
    return out.set_axis(frame.index)


def reference_table(state: ValuationState) -> pd.DataFrame:
    """One row per reference: hs6, origin ('' = any origin), unit_value_kg, spread, lines."""
    both = pd.concat([state.by_origin.reset_index(), state.by_hs6.reset_index().assign(origin_country="")])
    both["unit_value_kg"] = np.exp(both["median"])
    return both.rename(columns={"origin_country": "origin"})[["hs6", "origin", "unit_value_kg", "spread", "lines"]]


def _lines(frame: pd.DataFrame) -> pd.DataFrame:
    """HS6, origin and log unit value of each row (NaN where value or mass is missing or zero)."""
    atoms = frame_atoms(frame)
    value, mass = atoms.numbers["value"], atoms.numbers["net_mass_kg"]
    ok = (value > 0) & (mass > 0)
    luv = np.where(ok, np.log(np.where(ok, value, 1.0) / np.where(ok, mass, 1.0)), np.nan)
    return pd.DataFrame({"hs6": atoms.text["hs6"], "origin_country": atoms.text["origin_country"], "luv": luv})


def _reference(lines: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Median, robust spread and line count of log unit values per key, for keys with enough lines."""
    grouped = lines.groupby(keys, sort=True)["luv"]
    median = grouped.transform("median")
    mad = (lines["luv"] - median).abs().groupby([lines[k] for k in keys], sort=True).median()
    out = pd.DataFrame({"median": grouped.median(), "spread": np.maximum(MAD_TO_SIGMA * mad, SPREAD_FLOOR),
                        "lines": grouped.size().astype(np.float64)})
    return out[out["lines"] >= MIN_LINES]
