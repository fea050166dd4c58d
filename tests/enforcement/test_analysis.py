"""Reference prices, trader networks and mirror gaps: what an analyst would see on planted cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clearway.enforcement.mirror import as_money, mirror_gaps
from clearway.enforcement.networks import circular_leads, phantom_leads, shared_attribute_leads
from clearway.enforcement.prices import deviations, reference_prices


def _lines(prices: list[float], hs6: str = "851712", origin: str = "CN") -> pd.DataFrame:
    return pd.DataFrame({"hs6": hs6, "origin": origin, "period": "2026-11", "value": prices,
                         "mass_kg": [1.0] * len(prices)})


def test_the_reference_price_ignores_planted_outliers_and_flags_them_both_ways():
    rng = np.random.default_rng(7)
    fair = list(np.exp(rng.normal(np.log(200.0), 0.1, 200)))
    lines = _lines([*fair, 20.0, 2000.0])  # one ten-times under-invoiced, one ten-times over-invoiced
    refs = reference_prices(lines)
    (ref,) = refs.itertuples()
    assert 185 < ref.unit_value_kg < 215 and ref.trimmed >= 2 and ref.lines <= 200
    z = deviations(lines, refs)
    assert z[-2] < -10 and z[-1] > 10  # under: far cheaper; over: far dearer
    assert np.abs(z[:200]).max() < 5


def test_a_key_with_too_few_transactions_has_no_trusted_price():
    lines = pd.concat([_lines([100.0] * 50), _lines([5.0, 6.0], hs6="090111")])
    refs = reference_prices(lines)
    assert list(refs.index.get_level_values("hs6")) == ["851712"]
    z = deviations(lines, refs)
    assert (z[-2:] == 0).all()  # no reference: no signal, never a false one


def test_round_trips_and_carousels_are_found_and_ranked_by_the_money_moved_round():
    flows = [("A", "B", 1e6), ("B", "A", 9e5), ("C", "D", 5e5), ("D", "E", 4e5), ("E", "C", 3e5), ("F", "G", 1e6)]
    leads = circular_leads(flows)
    assert [set(lead.parties) for lead in leads] == [{"A", "B"}, {"C", "D", "E"}]
    assert leads[0].score == 9e5 and "round-trip" in leads[0].explanation and "carousel" in leads[1].explanation


def test_firms_sharing_an_address_and_a_phone_form_one_lead_and_strangers_none():
    parties = [{"id": "KR1", "address": "1 Port Rd", "phone": "555"}, {"id": "KR2", "address": "1 port rd "},
               {"id": "KR3", "phone": "555"}, {"id": "KR4", "address": "9 Other St", "phone": "777"}]
    (lead,) = shared_attribute_leads(parties)
    assert lead.parties == ("KR1", "KR2", "KR3")
    assert lead.evidence == {"address": ["1 port rd"], "phone": ["555"]}


def test_declarations_that_never_arrived_are_phantom_leads_largest_first():
    leads = phantom_leads({"D1": 10.0, "D2": 500.0, "D3": 50.0}, arrived=["D1"])
    assert [lead.parties for lead in leads] == [("D2",), ("D3",)]


def test_a_mirror_gap_is_split_into_cif_fob_and_what_is_left_unexplained():
    exports = pd.DataFrame({"hs6": ["851712"], "period": ["2026-10"], "value": [1_000_000.0]})
    imports = pd.DataFrame({"hs6": ["851712"], "period": ["2026-10"], "value": [700_000.0]})
    (row,) = mirror_gaps(exports, imports, duty_rates={"851712": 0.08}).itertuples()
    assert row.cif_fob == pytest.approx(60_000) and row.gap == pytest.approx(360_000)
    assert row.unexplained == pytest.approx(360_000) and row.revenue_at_risk == pytest.approx(28_800)
    assert as_money(row.revenue_at_risk, "USD") == {"amount": "28800.00", "currency": "USD"}


def test_the_bounded_cycle_pass_finds_exactly_the_short_cycles_networkx_finds():
    import networkx as nx

    rng = np.random.default_rng(11)
    flows = [(f"F{a}", f"F{b}", float(v)) for a, b, v in zip(rng.integers(0, 60, 300), rng.integers(0, 60, 300),
                                                              rng.integers(1, 100, 300), strict=True) if a != b]
    graph = nx.DiGraph((a, b) for a, b, _ in flows)
    def canonical(cycle: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        i = cycle.index(min(cycle))
        return tuple(cycle[i:]) + tuple(cycle[:i])

    expected = sorted(canonical(c) for c in nx.simple_cycles(graph, length_bound=3))
    found = sorted(canonical(lead.parties) for lead in circular_leads(flows, max_length=3))
    assert found == expected and len(found) > 10
    ring = [("A", "B", 1.0), ("B", "C", 1.0), ("C", "D", 1.0), ("D", "E", 1.0), ("E", "A", 1.0)]
    assert circular_leads(ring, max_length=4) == [] and len(circular_leads(ring, max_length=5)) == 1
