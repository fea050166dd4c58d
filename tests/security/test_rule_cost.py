"""A risk rule's cost is bounded: aggregates inside per-item terms are computed once per declaration, a rule too
costly for the largest declaration is refused when saved, and one over the budget at run time is not evaluated."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from clearway.risk.rules.compile import COST_BUDGET, Compiled, RuleTooCostly, compile_rule, matches
from clearway.risk.rules.facts import ITEMS_KEY
from clearway.risk.rules.lang import RuleSyntaxError
from tests.factories import auth


def _facts(items: int) -> dict:
    return {ITEMS_KEY: [{"item.value": Decimal(n), "item.hs6": "851713", "item.origin": "CN"}
                        for n in range(items)]}


def _heavy(aggregates: int) -> str:
    """Per-item terms that each compare the item with aggregates over every item (the items² pattern)."""
    terms = [f"item.value > {n} and count(item.value > {n}) > {n} and sum(item.value) > {n}"
             for n in range(aggregates)]
    return " or ".join(terms)


def test_aggregates_inside_per_item_terms_cost_items_not_items_squared():
    rule = compile_rule(_heavy(20))
    assert rule.per_item and rule.cost(999) <= COST_BUDGET
    facts = _facts(999)
    started = time.perf_counter()
    hits = matches(rule, facts)
    elapsed = time.perf_counter() - started
    assert hits is not None and len(hits) > 900
    assert elapsed < 2.0, elapsed  # items² × aggregates took 46.5 s for a rule of this kind before


def test_a_rule_too_costly_for_the_largest_declaration_is_refused_when_saved(client):
    huge = " or ".join(f"item.value > {n}" for n in range(190))  # under the length limit, over the cost budget
    assert len(huge) < 4000
    with pytest.raises(RuleSyntaxError) as refused:
        compile_rule(huge)
    assert refused.value.code == "rule.too_costly"
    r = client.post("/api/v1/risk/rules/check", json={"expression": huge}, headers=auth(client, "analyst"))
    assert r.status_code == 422, r.text[:300]
    assert r.json()["errors"][0]["code"] == "rule.too_costly"
    assert "500000" in r.json()["errors"][0]["message"]


def test_a_rule_over_budget_at_run_time_is_not_evaluated():
    cheap = compile_rule("item.value > 1")
    stored = Compiled(fn=cheap.fn, per_item=True, fields=cheap.fields, nodes=COST_BUDGET)  # saved under old limits
    with pytest.raises(RuleTooCostly):
        matches(stored, _facts(10))
    assert matches(cheap, _facts(10)) == list(range(3, 11))
