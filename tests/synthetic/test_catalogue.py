"""The goods catalogue and the demo duty table it is priced against."""

from __future__ import annotations

import random
from decimal import Decimal

from clearway.reference import service as reference
from clearway.synthetic.catalogue import build_catalogue, misclassification_targets
from clearway.synthetic.tables import applied_rate, mfn_rate


def test_catalogue_holds_a_few_hundred_real_hs6_codes() -> None:
    goods = build_catalogue(random.Random(1))
    hs = next(e for e in reference.hs_editions() if e.name == "HS2022").codes
    codes = [g.hs_code for g in goods]
    assert 200 <= len(codes) <= 600 and len(set(codes)) == len(codes)
    assert all(hs[c][0] == 6 for c in codes)
    assert all(g.origins and all(k.median_usd_per_kg > 0 for k in g.origins.values()) for g in goods)


def test_misclassification_targets_carry_a_lower_duty() -> None:
    targets = misclassification_targets(build_catalogue(random.Random(1)))
    assert "852872" in targets and "852852" in targets["852872"]
    for true, declared in targets.items():
        assert all(mfn_rate(d) < mfn_rate(true) for d in declared)


def test_duty_table_takes_the_longest_prefix_and_preferences() -> None:
    assert mfn_rate("852872") == Decimal("8") and mfn_rate("852852") == Decimal("0")
    assert mfn_rate("020130") == Decimal("40") and mfn_rate("020110") == mfn_rate("0202")
    assert applied_rate("620342", "VN", "KR-VN") == 0
    assert applied_rate("620342", "CN", "KR-CN") == Decimal("6.5")
    assert applied_rate("620342", "CN", "KR-VN") == Decimal("13")  # a claim the origin cannot make
