"""Every TBML indicator: a line that fires it and a near-identical one that does not, on the frame (batch) path
and on the lodging path, which must agree."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from clearway.enforcement import indicators, ranking
from clearway.enforcement.lodging import hits_one, score_one

BASE: dict[str, Any] = {"importer": "IMP1", "seller": "S1", "declarant": "D1", "hs6": "851712", "origin": "CN",
                        "departure": "CN", "value": 2000.0, "mass_kg": 10.0, "tax_rate": 0.08, "payment_type": "11",
                        "date": pd.Timestamp("2026-11-10 09:00")}


def _history() -> pd.DataFrame:
    """A year of one phone importer (about 200 per kg from China) and one coffee importer (about 5 per kg)."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(120):
        rows.append({**BASE, "declaration_id": f"H{i}", "value": float(2000 * np.exp(rng.normal(0, 0.1))),
                     "seller": f"S{i % 4}", "date": pd.Timestamp("2026-01-01") + pd.Timedelta(days=i)})
        rows.append({**BASE, "declaration_id": f"C{i}", "importer": "IMP2", "hs6": "090111", "origin": "BR",
                     "departure": "BR", "value": float(500 * np.exp(rng.normal(0, 0.1))), "mass_kg": 100.0,
                     "tax_rate": 0.02, "seller": "S9", "date": pd.Timestamp("2026-01-01") + pd.Timedelta(days=i)})
    return pd.DataFrame(rows)


def _state() -> indicators.IndicatorState:
    """The history's state, with a network pass over it plus a round trip, a phantom trader and two shells."""
    history = _history().assign(direction="IM")
    trip = [{**BASE, "declaration_id": "RT1", "importer": "IMPR", "seller": "SR", "direction": "EX", "value": 5e4},
            {**BASE, "declaration_id": "RT2", "importer": "IMPR", "seller": "SR", "direction": "IM", "value": 5.1e4}]
    ghost = [{**BASE, "declaration_id": f"G{i}", "importer": "IMPG", "direction": "EX"} for i in range(3)]
    lines = pd.concat([history, pd.DataFrame(trip + ghost)], ignore_index=True)
    moved = set(lines["declaration_id"]) - {"G0", "G1", "G2"}
    shell = {"address": "1 Teheran-ro", "phone": "555", "payment_ref": "P1"}
    parties = pd.DataFrame([{"id": "IMPS1", **shell}, {"id": "IMPS2", **shell},
                            {"id": "IMP1", "address": "2 Other St", "phone": "777", "payment_ref": "P2"}])
    return ranking.with_networks(indicators.fit(_history()), lines, parties, moved, pd.Timestamp("2026-12-01"))


STATE = _state()


def _lines(*overrides: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**BASE, "declaration_id": f"N{i}", **o} for i, o in enumerate(overrides)]


NEW = {"importer": "IMPX"}
DAY = {"date": pd.Timestamp("2026-11-10 15:00")}
# code: (lines whose last one fires it, lines whose last one does not), all lodged after the history
CASES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "tbml.price_under": (_lines({"value": 200.0}), _lines({"value": 2100.0})),
    "tbml.price_over": (_lines({"value": 20000.0}), _lines({"value": 2100.0})),
    "tbml.price_under_any_origin": (_lines({"value": 200.0, "origin": "VN"}), _lines({"origin": "VN"})),
    "tbml.price_over_any_origin": (_lines({"value": 20000.0, "origin": "VN"}), _lines({"origin": "VN"})),
    "tbml.weight_per_value": (_lines({"mass_kg": 0.2}), _lines({"mass_kg": 1.0})),  # 50× off vs 10× off
    "tbml.round_value": (_lines({"value": 300_000.0}), _lines({"value": 300_001.0})),
    "tbml.duplicate_invoice": (_lines({}, {}), _lines({}, {"value": 2001.0})),
    "tbml.split_shipment": (_lines({}, DAY, DAY), _lines({}, DAY, {"date": pd.Timestamp("2026-11-11")})),
    "tbml.unusual_goods": (_lines({"hs6": "090111"}), _lines({"hs6": "851713"})),
    "tbml.new_trader": (_lines(NEW), _lines({})),
    "tbml.newcomer_volume": (_lines({**NEW, "value": 900_000.0}), _lines({**NEW, "value": 2000.0})),
    "tbml.value_spike": (_lines({"value": 30_000.0}), _lines({"value": 15_000.0})),
    "tbml.high_risk_origin": (_lines({"origin": "IR", "departure": "IR"}), _lines({})),
    "tbml.high_risk_departure": (_lines({"departure": "KY"}), _lines({"departure": "HK"})),
    "tbml.routing": (_lines({"departure": "HK"}), _lines({})),
    "tbml.rare_goods_origin": (_lines({"origin": "BR", "departure": "BR"}), _lines({})),
    "tbml.third_party_payment": (_lines({"payment_type": "13"}), _lines({"payment_type": "11"})),
    "tbml.low_tax": (_lines({"tax_rate": 0.0}), _lines({"tax_rate": 0.08})),
    "tbml.tiny_mass": (_lines({"value": 900_000.0, "mass_kg": 0.5}), _lines({"value": 900_000.0, "mass_kg": 500.0})),
    "tbml.single_seller": (_lines(*[{**NEW, "value": 1000.0 + i} for i in range(5)]),
                           _lines(*[{**NEW, "value": 1000.0 + i, "seller": f"S{i % 2}"} for i in range(5)])),
    "tbml.declarant_fronts": (_lines(*[{"importer": f"IMPX{i}", "declarant": "DX"} for i in range(3)]),
                              _lines(*[{"importer": f"IMPX{i}", "declarant": "DX"} for i in range(2)])),
    "tbml.circular_trading": (_lines({"importer": "IMPR"}), _lines({"importer": "IMP2"})),
    "tbml.phantom_trader": (_lines({"importer": "IMPG"}), _lines({"importer": "IMP2"})),
    "tbml.shared_contacts": (_lines({"importer": "IMPS1"}), _lines({"importer": "IMP2"})),
    "tbml.seller_fronts": (_lines(*[{"importer": f"IMPX{i}", "seller": "SX"} for i in range(3)]),
                           _lines(*[{"importer": f"IMPX{i}", "seller": "SX"} for i in range(2)])),
}


def test_the_catalogue_has_at_least_twenty_documented_indicators_each_tested_here():
    assert len(indicators.CATALOGUE) >= 20 and set(CASES) == set(indicators.CATALOGUE)
    assert all(fn.__doc__ and fn.__doc__.strip() for fn in indicators.CATALOGUE.values())


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_indicator_fires_on_its_pattern_and_not_on_the_near_miss(code: str):
    fires, quiet = CASES[code]
    fn = indicators.CATALOGUE[code]
    assert fn(pd.DataFrame(fires), STATE)[-1], f"{code} should fire"
    assert not fn(pd.DataFrame(quiet), STATE)[-1], f"{code} should stay quiet"
    # the lodging path (dict lookups, the day's other lines as context) says the same
    assert hits_one(fires[-1], STATE, fires[:-1])[code]
    assert not hits_one(quiet[-1], STATE, quiet[:-1])[code]


def test_the_lodging_path_agrees_with_the_batch_path_on_every_indicator_and_the_score():
    for fires, quiet in CASES.values():
        for lines in (fires, quiet):
            frame = pd.DataFrame(lines)
            batch = indicators.hits(frame, STATE).iloc[-1].to_dict()
            assert hits_one(lines[-1], STATE, lines[:-1]) == {k: bool(v) for k, v in batch.items()}
            assert score_one(lines[-1], STATE, lines[:-1]) == pytest.approx(indicators.score(frame, STATE)[-1])


def test_an_ordinary_line_of_a_known_trader_fires_nothing():
    (line,) = _lines({})
    assert not any(hits_one(line, STATE).values())
