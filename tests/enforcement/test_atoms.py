"""The TBML indicators as risk-rule atoms: an analyst's rule on them holds on the item that shows the pattern."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from clearway.enforcement import atoms
from clearway.enforcement.indicators import CATALOGUE
from clearway.risk.rules.compile import compile_rule, matches
from clearway.risk.rules.facts import FIELDS, Knowledge, declaration_facts

from .test_api import history
from .test_indicators import STATE

AT = datetime(2026, 11, 10, 9, tzinfo=UTC)


def _document(*items: dict[str, str], payment: str = "11") -> dict[str, object]:
    return {"type": "IM", "office": "KR0201", "lrn": "LRN-1", "currency": "USD", "payment_type": payment,
            "importer": {"id": "IMP1"}, "seller": {"id": "S1", "name": "Seller one"},
            "transport": {"mode": "1", "departure_country": "CN"},
            "items": [{"hs_code": "851712", "origin_country": "CN", "net_mass_kg": "10", "duty_rate": "0.08", **i}
                      for i in items]}


def _facts(document: dict[str, object], state=STATE) -> dict[str, object]:
    return declaration_facts(document, Decimal("0"), declarant="D1", lodged_at=AT, knowledge=Knowledge(tbml=state))


def test_every_indicator_is_a_rule_atom_and_the_score_too():
    assert {f"item.{code}" for code in CATALOGUE} | {"item.tbml.score"} <= set(FIELDS)
    assert len(CATALOGUE) >= 20


def test_a_rule_on_the_atoms_holds_on_the_under_invoiced_item_only():
    rule = compile_rule("item.tbml.price_under and item.tbml.score >= 3")
    facts = _facts(_document({"value": "2000"}, {"value": "150"}))  # the second at a tenth of the usual price
    assert matches(rule, facts) == [2]


def test_third_party_payment_and_over_invoicing_combine_in_one_rule():
    rule = compile_rule("item.tbml.price_over and item.tbml.third_party_payment")
    assert matches(rule, _facts(_document({"value": "30000"}, payment="13"))) == [1]
    assert matches(rule, _facts(_document({"value": "30000"}, payment="11"))) is None


def test_without_a_fitted_state_the_atoms_are_unknown_and_no_rule_on_them_holds():
    facts = _facts(_document({"value": "150"}), state=None)
    assert all(facts["__items__"][0][field] is None for field in atoms.FIELDS)  # type: ignore[index]
    assert matches(compile_rule("item.tbml.price_under"), facts) is None


@pytest.mark.usefixtures("world")
def test_the_engine_fits_the_state_on_lodged_history_only_when_a_rule_reads_an_atom(client):
    from clearway.db import get_sessionmaker, utcnow
    from clearway.enforcement.evidence import lines_of
    from clearway.risk.engine.live import knowledge_load

    history()
    with get_sessionmaker()() as db:
        assert knowledge_load(db, {"item.hs6"}).tbml is None  # no rule on an atom: nothing fitted
        state = knowledge_load(db, {"item.tbml.price_under"}).tbml
        cut = utcnow() - timedelta(days=20)
        earlier = knowledge_load(db, {"item.tbml.price_under"}, before=cut).tbml
        lines = lines_of(db)
    assert state is not None and set(state.first_seen) == set(lines["importer"])
    assert earlier is not None  # a test-run from a past day sees only what was lodged before it
    assert earlier.value_p95 != state.value_p95 and max(earlier.first_seen.values()) < pd.Timestamp(cut)
    # a known importer's line priced at a hundredth of its goods' reference: the atom holds on it
    row = lines[lines.set_index(["hs6", "origin"]).index.isin(state.refs.index)].iloc[0]
    doc = {"type": "IM", "importer": {"id": row["importer"]}, "items": [{
        "hs_code": row["hs6"], "origin_country": row["origin"], "net_mass_kg": str(row["mass_kg"]),
        "value": str(row["value"] / 100)}]}
    facts = declaration_facts(doc, Decimal("0"), declarant="D1", lodged_at=AT, knowledge=Knowledge(tbml=state))
    assert matches(compile_rule("item.tbml.price_under"), facts) == [1]
