"""The Wilson interval and effectiveness figures on hand-made outcomes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clearway.performance.effectiveness import effectiveness, wilson
from clearway.performance.outcomes import normalise


@pytest.mark.parametrize(("hits", "total", "low", "high"), [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634),
                                                            (81, 263, 0.2553, 0.3662)])
def test_wilson_interval_matches_published_values(hits, total, low, high):
    rate = wilson(hits, total)
    assert rate.low == pytest.approx(low, abs=1e-4) and rate.high == pytest.approx(high, abs=1e-4)


def test_random_and_selected_inspections_are_kept_apart():
    rows = [normalise({"channel": "red", "inspected": True, "hit": True, "rules": ["R1", "R2"], "revenue": "10"}),
            normalise({"channel": "red", "inspected": True, "hit": False, "rules": ["R1"]}),
            normalise({"channel": "yellow", "inspected": True, "hit": True, "random_pick": True}),
            normalise({"channel": "green", "inspected": False, "overridden": True})]
    result = effectiveness(rows, {"red": 10, "yellow": 5, "green": 85}, {})
    assert (result.hit_selected.hits, result.hit_selected.total) == (1, 2)
    assert (result.non_compliance.hits, result.non_compliance.total) == (1, 1)
    assert result.by_rule["R1"].total == 2 and result.by_rule["R2"].hits == 1
    assert result.inspection_by_channel["red"].value == pytest.approx(0.2)
    assert result.revenue_per_inspection == Decimal("10") / 3 and result.override.hits == 1


def test_the_controls_domains_own_field_names_are_understood():
    from datetime import UTC, datetime

    row = {"declaration_id": 7, "office": "KR0101", "kind": "physical", "fraud_found": True,
           "revenue_raised": Decimal("99.5"), "rule_ids": ["R9"], "finished_at": datetime(2026, 3, 1, tzinfo=UTC),
           "random_pick": False, "model_version": "m-2"}
    outcome = normalise(row)
    assert (outcome.channel, outcome.inspected, outcome.hit, outcome.rules) == ("red", True, True, ("R9",))
    assert outcome.revenue == Decimal("99.5") and outcome.at is not None and outcome.overridden is None
    result = effectiveness([outcome], {"red": 4}, {"2026-03": 4})
    assert result.override.total == 0 and result.precision_by_period["2026-03"][0].value == 0.25
