"""Why a declaration scored high: TreeSHAP contributions turned into sentences an officer reads."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.features import CATEGORICAL, FEATURE_NAMES, SELECTED, RowFeatures, build_row

UNIT_VALUE = ("hs6_uv_dev", "hs6_uv_z", "hs6_origin_uv_dev", "hs6_origin_uv_z", "log_unit_value")
_LABELS = {"office": "office", "transport_mode": "transport mode", "duty_type": "duty type",
           "procedure": "procedure", "import_type": "import type", "import_use": "import use",
           "payment_type": "payment type", "origin_indicator": "origin proof", "origin_country": "origin",
           "departure_country": "departure country", "seller_country": "seller country"}


def _group_of(name: str) -> str:
    """The reason a feature belongs to: its key family, the unit value, or its raw field."""
    if name in UNIT_VALUE:
        return "unit_value"
    for family, kinds in SELECTED.items():
        if any(name == f"{family}_{k}" for k in kinds):
            return family
    return name.removesuffix("_code")


_GROUPS = [_group_of(n) for n in FEATURE_NAMES]
_GROUP_NAMES = list(dict.fromkeys(_GROUPS))
_GROUP_INDEX = np.array([_GROUP_NAMES.index(g) for g in _GROUPS])


@dataclass(frozen=True)
class Reason:
    """One sentence and the log-odds it added to the score."""

    group: str
    contribution: float
    text: str


@dataclass(frozen=True)
class Explanation:
    """The score, the model that gave it, and its main reasons, strongest first."""

    score: float
    model_version: str
    reasons: list[Reason]


def explain_one(record: Mapping[str, Any], bundle: Bundle, *, top: int = 3) -> Explanation:
    """Score one declaration item and name the `top` features that raised its risk the most."""
    row = build_row(record, bundle.state)
    contrib = np.asarray(bundle.booster.predict(row.x, pred_contrib=True, num_threads=1))[0]
    score = 1.0 / (1.0 + math.exp(-float(contrib.sum())))  # contributions add up to the log-odds
    by_group = np.bincount(_GROUP_INDEX, weights=contrib[:-1], minlength=len(_GROUP_NAMES))
    order = [i for i in np.argsort(-by_group, kind="stable")[:top] if by_group[i] > 0]
    reasons = [Reason(_GROUP_NAMES[i], float(by_group[i]), sentence(_GROUP_NAMES[i], row)) for i in order]
    return Explanation(score=score, model_version=bundle.version, reasons=reasons)


def sentence(group: str, row: RowFeatures) -> str:
    """Plain-language sentence for one reason group of one declaration."""
    t = row.atoms.text
    if group in _SENTENCES:
        return _SENTENCES[group](row, t)
    if group == "duty_rate":
        return f"duty rate {row.atoms.numbers['duty_rate']:g} %"
    if group == "log_value":
        return f"declared value {row.atoms.numbers['value']:,.0f}"
    if group == "log_mass":
        return f"net mass {row.atoms.numbers['net_mass_kg']:,g} kg"
    if group in CATEGORICAL:
        return f"{_LABELS[group]} {t[group] or 'not given'}"
    return group


def _hs(code: str) -> str:
    """HS6 written the way tariffs print it: 8517.13."""
    return f"{code[:4]}.{code[4:6]}" if len(code) == 6 else (code or "unknown HS")


def _record(stats: Mapping[str, float], day: int, *, age: bool = False) -> str:
    """Past outcomes of a key: controls and hits, or how new it is."""
    n, lab, hits = int(stats["n"]), int(stats["lab"]), int(stats["hits"])
    if n == 0:
        return "never seen before"
    seen = f"first seen {day - int(stats['first'])} days before, " if age else ""
    if lab == 0:
        return f"{seen}{n} earlier declaration{'s' * (n > 1)}, none controlled"
    return f"{seen}irregular in {hits} of {lab} earlier control{'s' * (lab > 1)}"


def _unit_value(row: RowFeatures, t: Mapping[str, str]) -> str:
    """Declared unit value against the usual one for the goods and origin (geometric mean)."""
    value, mass = row.atoms.numbers["value"], row.atoms.numbers["net_mass_kg"]
    if not (value > 0 and mass > 0):
        return "no unit value: zero or missing value or mass declared"
    for family, where in (("hs6_origin", f"{_hs(t['hs6'])} from {t['origin_country']}"), ("hs6", _hs(t["hs6"]))):
        s = row.stats[family]
        if s["uvn"] > 0:
            ratio = math.exp(math.log(value / mass) - s["s1"] / s["uvn"]) - 1.0
            side = "below" if ratio < 0 else "above"
            return f"declared unit value {abs(ratio):.0%} {side} the usual value for {where}".replace("%", " %")
    return f"no usual unit value known yet for {_hs(t['hs6'])}"


def _family(label: Callable[[Mapping[str, str]], str], family: str, *, age: bool = False) -> Callable[..., str]:
    """Sentence builder for a key family: its label, then its record."""
    return lambda row, t: f"{label(t)}: {_record(row.stats[family], row.atoms.day, age=age)}"


_SENTENCES: dict[str, Callable[[RowFeatures, Mapping[str, str]], str]] = {
    "unit_value": _unit_value,
    "line": _family(lambda t: f"goods line HS {_hs(t['hs6'])} from {t['origin_country']} at this value, "
                              "mass and duty", "line"),
    "hs6_value": _family(lambda t: f"this declared value for HS {_hs(t['hs6'])}", "hs6_value"),
    "hs6_mass": _family(lambda t: f"this net mass for HS {_hs(t['hs6'])}", "hs6_mass"),
    "hs6": _family(lambda t: f"HS {_hs(t['hs6'])}", "hs6"),
    "hs4": _family(lambda t: f"heading {t['hs4']}", "hs4"),
    "hs6_origin": _family(lambda t: f"HS {_hs(t['hs6'])} from {t['origin_country']}", "hs6_origin", age=True),
    "hs6_duty": _family(lambda t: f"HS {_hs(t['hs6'])} at this duty rate and type {t['duty_type']}", "hs6_duty"),
    "tariff": _family(lambda t: f"duty type {t['duty_type']} at this rate", "tariff"),
    "declarant": _family(lambda t: f"declarant {t['declarant_id']}", "declarant", age=True),
    "importer": _family(lambda t: f"importer {t['importer_id']}", "importer", age=True),
    "seller": _family(lambda t: f"seller {t['seller_id'] or '(not given)'}", "seller", age=True),
    "trader": _family(lambda t: f"declarant {t['declarant_id']} for importer {t['importer_id']}", "trader"),
    "route": _family(lambda t: f"route {t['departure_country']}→{t['origin_country']} at office {t['office']}",
                     "route"),
}
