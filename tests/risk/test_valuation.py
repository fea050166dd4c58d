"""Unit-value detector: cheap declarations rank first, against references learnt from history alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clearway.risk.ml.data import canonical
from clearway.risk.ml.mappings import NATIVE
from clearway.risk.rules import valuation

USUAL = {("610910", "CN"): 8.0, ("610910", "BD"): 6.0, ("851712", "VN"): 90.0, ("940360", "CN"): 3.0}


def items(n: int, *, seed: int, start: str = "2024-01-01", factor: float = 1.0) -> pd.DataFrame:
    """Canonical native items of the usual goods at their usual unit values (× factor), one a day apart."""
    rng = np.random.default_rng(seed)
    keys = [list(USUAL)[i] for i in rng.integers(len(USUAL), size=n)]
    mass = rng.uniform(50, 2000, size=n).round(1)
    unit = np.array([USUAL[k] for k in keys]) * np.exp(rng.normal(0, 0.1, size=n)) * factor
    raw = pd.DataFrame({
        "declaration_id": [f"D{seed}-{i}" for i in range(n)], "item_no": 1,
        "lodged_at": [(pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=i % 300)).isoformat() for i in range(n)],
        "office": "KR0101", "declarant_id": "B1", "importer_id": "I1", "hs_code": [k[0] + "0000" for k in keys],
        "origin_country": [k[1] for k in keys], "net_mass_kg": mass, "value": (mass * unit).round(0), "duty_rate": 8.0,
        "fraud": rng.integers(2, size=n),
    })
    return canonical(raw.astype(str), NATIVE, with_labels=True)


def test_a_sixty_percent_undervaluation_ranks_above_normal_declarations() -> None:
    state = valuation.fit(items(2000, seed=0))
    normal, cheap = items(300, seed=1, start="2025-01-01"), items(20, seed=2, start="2025-01-01", factor=0.4)
    z = valuation.score(pd.concat([normal, cheap], ignore_index=True), state)
    assert z[len(normal):].min() > z[: len(normal)].max()
    assert abs(np.median(z[: len(normal)])) < 0.3  # normal goods sit at their reference


def test_fit_learns_from_declared_values_only_never_from_outcomes() -> None:
    history = items(1000, seed=0)
    relabelled = history.assign(fraud=1.0 - history["fraud"], revenue_recovered=123.0)
    new = items(50, seed=1, start="2025-01-01")
    np.testing.assert_array_equal(valuation.score(new, valuation.fit(history)),
                                  valuation.score(new, valuation.fit(relabelled)))
    np.testing.assert_array_equal(valuation.score(new, valuation.fit(history)),
                                  valuation.score(new, valuation.fit(history.drop(columns=["fraud"]))))


def test_scored_rows_never_move_the_reference() -> None:
    state = valuation.fit(items(1000, seed=0))
    new = items(50, seed=1, start="2025-01-01")
    flood = items(500, seed=2, start="2025-01-01", factor=0.3)  # a wave of cheap declarations scored with it
    alone = valuation.score(new, state)
    together = valuation.score(pd.concat([new, flood], ignore_index=True), state)[: len(new)]
    np.testing.assert_array_equal(together, alone)
    assert state.window == ("2024-01-01", "2024-10-26") and state.rows == 1000


def test_an_origin_without_history_is_measured_against_its_hs6() -> None:
    state = valuation.fit(items(1000, seed=0))
    new = items(5, seed=1, start="2025-01-01").assign(hs_code="8517120000", origin_country="MX")
    ref = valuation.references(new, state)
    assert (ref["basis"] == "hs6").all()
    assert np.allclose(ref["unit_value_kg"], 90.0, rtol=0.1)


def test_goods_never_seen_or_without_mass_score_zero() -> None:
    state = valuation.fit(items(1000, seed=0))
    new = items(4, seed=1, start="2025-01-01")
    new.loc[0:1, "hs_code"] = "0101210000"
    new.loc[2, "net_mass_kg"] = 0.0
    assert valuation.score(new, state)[:3].tolist() == [0.0, 0.0, 0.0]
    assert valuation.references(new, state)["basis"].tolist()[:2] == ["none", "none"]


def test_state_round_trips_through_json_and_lists_its_references() -> None:
    state = valuation.fit(items(1000, seed=0))
    new = items(50, seed=1, start="2025-01-01")
    again = valuation.ValuationState.from_json(state.to_json())
    np.testing.assert_allclose(valuation.score(new, again), valuation.score(new, state))
    table = valuation.reference_table(state)
    assert len(table) == len(USUAL) + 3  # four HS6 × origin pairs, three HS6 over any origin
    assert set(table.loc[table["origin"] == "", "hs6"]) == {"610910", "851712", "940360"}
