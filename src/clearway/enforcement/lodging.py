"""The TBML indicators of one declaration line in the lodging path: dict lookups on the fitted state, no frames.

`hits_one(line, state, recent)` gives the same answer as `indicators.hits(frame, state)` on the frame
`[*recent, line]` for that last line (tests hold the two to each other), where `recent` are the other
lines of the same filing window (the trader's lines of the day): the batch-level indicators (duplicates,
split shipments, fronts) only look at them, so the cost stays a few dictionary lookups per line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from clearway.enforcement.indicators import CATALOGUE, FACTOR_LOG, WEIGHTS, Z_CUT, IndicatorState

Line = Mapping[str, Any]


def _luv(line: Line) -> float | None:
    value, mass = float(line["value"]), float(line["mass_kg"])
    return math.log(value / mass) if value > 0 and mass > 0 else None


def _z(luv: float | None, ref: tuple[float, float] | None) -> float:
    return (luv - ref[0]) / ref[1] if luv is not None and ref is not None else 0.0


def _day(when: Any) -> date:
    return when.date() if isinstance(when, datetime) else date.fromisoformat(str(when)[:10])


def _new(line: Line, state: IndicatorState) -> bool:
    return line["importer"] not in state.first_seen


def _fronts(line: Line, window: Sequence[Line], state: IndicatorState, by: str) -> bool:
    """New importer, and its declarant (or seller) serves three or more new importers in the window."""
    if not _new(line, state):
        return False
    firms = {o["importer"] for o in window if o[by] == line[by] and _new(o, state)}
    return len(firms) >= 3


def hits_one(line: Line, state: IndicatorState, recent: Sequence[Line] = ()) -> dict[str, bool]:
    """Every indicator code of one line: True where it fires (the features the lodging path hands the risk engine)."""
    window = [*recent, line]
    imp, hs6, origin, value = line["importer"], str(line["hs6"]), str(line["origin"]), float(line["value"])
    departure = str(line["departure"])
    luv = _luv(line)
    ref, ref_hs6 = state.ref_of.get((hs6, origin)), state.ref_hs6_of.get(hs6)
    z, z_hs6 = _z(luv, ref), _z(luv, ref_hs6)
    new = _new(line, state)
    usual = state.importer_median.get(imp)
    spike = usual is not None and (value / usual > 10 if usual > 0 else value > 0)
    tax_usual = state.hs6_tax_mode.get(hs6)
    same_goods = [o for o in window if (o["importer"], o["seller"], str(o["hs6"])) == (imp, line["seller"], hs6)]
    same_importer = [o for o in window if o["importer"] == imp]
    return {
        "tbml.price_under": z < -Z_CUT, "tbml.price_over": z > Z_CUT,
        "tbml.price_under_any_origin": z_hs6 < -Z_CUT, "tbml.price_over_any_origin": z_hs6 > Z_CUT,
        "tbml.weight_per_value": ref is not None and luv is not None and abs(luv - ref[0]) > FACTOR_LOG,
        "tbml.round_value": value >= 100_000 and value % 100_000 == 0,
        "tbml.duplicate_invoice": any(float(o["value"]) == value and o["declaration_id"] != line["declaration_id"]
                                      for o in same_goods),
        "tbml.split_shipment": len({o["declaration_id"] for o in same_goods
                                    if _day(o["date"]) == _day(line["date"])}) >= 3,
        "tbml.unusual_goods": not new and (imp, hs6[:2]) not in state.trader_chapters,
        "tbml.new_trader": new,
        "tbml.newcomer_volume": new and value > state.value_p95,
        "tbml.value_spike": spike,
        "tbml.high_risk_origin": origin in state.high_risk,
        "tbml.high_risk_departure": departure in state.high_risk,
        "tbml.routing": departure != origin and departure != "",
        "tbml.rare_goods_origin": (hs6, origin) not in state.pairs,
        "tbml.third_party_payment": str(line["payment_type"]) in state.third_party,
        "tbml.low_tax": tax_usual is not None and tax_usual - float(line["tax_rate"]) > 0,
        "tbml.tiny_mass": float(line["mass_kg"]) < 1 and value > state.value_p95,
        "tbml.single_seller": len({o["seller"] for o in same_importer}) == 1
        and len({o["declaration_id"] for o in same_importer}) >= 5,
        "tbml.declarant_fronts": _fronts(line, window, state, "declarant"),
        "tbml.seller_fronts": _fronts(line, window, state, "seller"),
        "tbml.circular_trading": imp in state.cycle_firms, "tbml.phantom_trader": imp in state.phantom_firms,
        "tbml.shared_contacts": imp in state.shared_firms,
    }


def score_one(line: Line, state: IndicatorState, recent: Sequence[Line] = ()) -> float:
    """The ranked indicator score of one line, as `indicators.score` gives it on a frame."""
    return score_of(hits_one(line, state, recent), line, state)


def score_of(hit: Mapping[str, bool], line: Line, state: IndicatorState) -> float:
    """The indicator score of a line whose hits are already known (saves computing them twice)."""
    z = _z(_luv(line), state.ref_of.get((str(line["hs6"]), str(line["origin"]))))
    return sum(WEIGHTS.get(code, 0.5) for code in CATALOGUE if hit[code]) + min(abs(z), 10) / 2
