"""What rules mean: arithmetic, nulls, lists, text tests, items, derived features, scope, errors."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from clearway.declarations.schemas import EXAMPLE
from clearway.risk.rules.compile import compile_rule, matches
from clearway.risk.rules.facts import Knowledge, TraderMemory, declaration_facts
from clearway.risk.rules.ruleset import LiveRule, RuleSet, evaluation_errors

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # a Friday
REFERENCES = {("851713", "CN"): (Decimal("300"), 40), ("851713", ""): (Decimal("280"), 90),
              ("847130", ""): (Decimal("50"), 2)}


def doc(*items: dict, **fields: object) -> dict:
    document = copy.deepcopy(EXAMPLE)
    base = document["items"][0]
    document["items"] = [{**base, **item} for item in items] or [base]
    document.update(fields)
    return document


def facts(document: dict | None = None, knowledge: Knowledge | None = None, total: str = "12500") -> dict:
    return declaration_facts(document or doc(), Decimal(total), declarant="KR1000000001", lodged_at=AT,
                             knowledge=knowledge or Knowledge(references=REFERENCES))


def hit(source: str, document: dict | None = None, **kw: object) -> list[int] | None:
    return matches(compile_rule(source), facts(document, **kw))  # type: ignore[arg-type]


def test_the_issue_example_hits_the_undervalued_item_only():
    rule = ('item.hs6 starts_with "8517" and item.origin in ["CN", "VN"] '
            'and item.unit_value_kg < 0.5 * ref.unit_value_kg')
    document = doc({"net_mass_kg": "40", "value": "12000"}, {"net_mass_kg": "40", "value": "400"},
                   {"origin_country": "DE", "net_mass_kg": "40", "value": "400"})
    assert hit(rule, document) == [2]
    assert hit(rule, doc({"net_mass_kg": "40", "value": "12000"})) is None


def test_declaration_level_rules_match_without_items():
    assert hit('declaration.type == "IM" and declaration.item_count == 1') == []
    assert hit('declaration.lodged_weekday == 5 and declaration.lodged_hour >= 9') == []
    assert hit("declaration.total_value > 20000") is None


def test_arithmetic_is_decimal_and_exact():
    assert hit("declaration.total_value * 0.1 == 1250") == []
    assert hit("declaration.total_value % 7 == 5") == []
    assert hit("-declaration.total_value < 0 and abs(-3) == 3") == []


def test_missing_values_never_match_except_null_tests():
    assert hit("item.preference == null") == [1]
    assert hit('item.preference != "KORUS"') is None
    assert hit('item.preference in ["KORUS"]') is None
    assert hit('item.preference not in ["KORUS"]') is None
    assert hit("exporter.id == null and seller.id == null") == []
    assert hit("item.gross_mass_kg + 1 > 0") is None


def test_text_tests_and_lower():
    assert hit('item.description contains "128 GB"') == [1]
    assert hit('lower(item.description) starts_with "smartphone"') == [1]
    assert hit('item.hs_code ends_with "13" and seller.name contains "Shenzhen"') == [1]


def test_any_all_count_and_sum_over_items():
    document = doc({"origin_country": "CN", "value": "100"}, {"origin_country": "VN", "value": "50"})
    assert hit('any(item.origin == "VN") and not all(item.origin == "VN")', document) == []
    assert hit('count(item.origin in ["CN", "VN"]) == 2 and sum(item.value) == 150', document) == []
    assert hit("all(item.value > 60)", document) is None


def test_reference_unit_value_prefers_origin_then_falls_back_to_hs6_with_enough_history():
    document = doc({"origin_country": "VN", "net_mass_kg": "10", "value": "1400"},
                   {"hs_code": "847130", "net_mass_kg": "1", "value": "10"})
    f = facts(document)
    first, second = f["__items__"]
    assert first["ref.unit_value_kg"] == Decimal("280") and first["item.uv_ratio"] == Decimal("0.5")
    assert second["ref.known"] is False and second["ref.unit_value_kg"] is None
    assert matches(compile_rule("item.uv_ratio <= 0.5"), f) == [1]


def test_first_seen_traders_and_aeo():
    memory = TraderMemory({"KR1000000001"})
    knowledge = Knowledge(aeo=frozenset({"KR1000000001"}), traders=memory)
    assert hit("declarant.aeo and not declarant.first_seen", knowledge=knowledge) == []
    assert hit("importer.first_seen", knowledge=Knowledge(traders=TraderMemory())) == []
    assert hit("seller.first_seen == null", knowledge=knowledge) == []  # the seller has no id


def test_route_is_departure_then_origin():
    assert hit('item.route == "CN>CN"') == [1]


def test_division_by_zero_makes_the_rule_not_match_and_is_counted():
    rule = LiveRule(9001, 1, "bad", "red", 10, "r", frozenset(), frozenset(), None, None,
                    compile_rule("item.value / (item.net_mass_kg - item.net_mass_kg) > 1"))
    good = LiveRule(9002, 1, "good", "yellow", 10, "g", frozenset(), frozenset(), None, None,
                    compile_rule('item.origin == "CN"'))
    before = evaluation_errors[(9001, 1)]
    hits, errors = RuleSet([rule, good]).evaluate(facts(), "KR0101", "IM", AT.date())
    assert [h["rule_id"] for h in hits] == [9002]
    assert errors == [{"rule_id": 9001, "version": 1, "error": "DivisionByZero"}]
    assert evaluation_errors[(9001, 1)] == before + 1


@pytest.mark.parametrize(("offices", "directions", "valid_from", "valid_to", "applies"), [
    ({"KR0101"}, set(), None, None, True),
    ({"KR0201"}, set(), None, None, False),
    (set(), {"EX"}, None, None, False),
    (set(), set(), date(2026, 11, 21), None, False),
    (set(), set(), None, date(2026, 11, 19), False),
    (set(), set(), date(2026, 11, 20), date(2026, 11, 20), True),
])
def test_scope_office_direction_and_validity(offices, directions, valid_from, valid_to, applies):
    rule = LiveRule(1, 1, "r", "red", 1, "x", frozenset(offices), frozenset(directions), valid_from, valid_to,
                    compile_rule("true"))
    hits, _ = RuleSet([rule]).evaluate(facts(), "KR0101", "IM", AT.date())
    assert bool(hits) is applies


def test_hits_come_most_severe_then_highest_priority_first():
    def live(rule_id: int, channel: str, priority: int) -> LiveRule:
        return LiveRule(rule_id, 1, str(rule_id), channel, priority, "x", frozenset(), frozenset(), None, None,
                        compile_rule("true"))

    hits, _ = RuleSet([live(1, "yellow", 900), live(2, "red", 1), live(3, "red", 50)]).evaluate(
        facts(), "KR0101", "IM", AT.date())
    assert [h["rule_id"] for h in hits] == [3, 2, 1]
