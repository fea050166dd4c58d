"""Planted frauds, their revenue impact and the selection-biased inspection history."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from clearway.synthetic import FRAUD_KINDS, World
from clearway.synthetic.tables import applied_rate, mfn_rate

REVENUE_KINDS = set(FRAUD_KINDS) - {"prohibited"}


def test_the_fraud_mix_covers_all_five_kinds(world: World) -> None:
    kinds = Counter(r.truth.fraud_kind for r in world.declarations if r.truth.fraud)
    assert set(kinds) == set(FRAUD_KINDS)


def test_overall_fraud_rate_is_realistic(world: World) -> None:
    rate = sum(r.truth.fraud for r in world.declarations) / len(world.declarations)
    assert 0.04 <= rate <= 0.11


def test_revenue_frauds_evade_duty_and_clean_declarations_evade_none(world: World) -> None:
    for record in world.declarations:
        impact = Decimal(record.truth.revenue_impact)
        assert impact == sum(Decimal(i.revenue_impact) for i in record.truth.items)
        if record.truth.fraud_kind in REVENUE_KINDS:
            assert impact > 0
        elif record.truth.fraud_kind is None:
            assert impact == 0


def test_each_fraud_kind_changes_what_it_says(world: World) -> None:
    for record in world.declarations:
        kind, items = record.truth.fraud_kind, record.document["items"]
        pairs = list(zip(items, record.truth.items, strict=True))
        if kind == "misclassification":
            assert any(d["hs_code"] != t.hs_code and mfn_rate(t.hs_code) > mfn_rate(d["hs_code"]) for d, t in pairs)
        elif kind == "false_origin":
            relabelled = [d for d, t in pairs if d["origin_country"] != t.origin_country]
            assert relabelled and all(d.get("preference") for d in relabelled)
            assert len({d["origin_country"] for d in items}) == 1
        elif kind == "quantity":
            assert any(Decimal(d["net_mass_kg"]) < Decimal(t.net_mass_kg) for d, t in pairs)
        elif kind == "undervaluation":
            assert all(Decimal(d["value"]) <= Decimal(t.value) for d, t in pairs)
            assert any(Decimal(d["value"]) < Decimal(t.value) for d, t in pairs)
        elif kind == "prohibited":
            assert record.truth.concealed
        else:
            assert all(d["hs_code"] == t.hs_code and d["value"] == t.value for d, t in pairs)


def test_declared_rates_under_false_origin_are_preferential(world: World) -> None:
    frauds = [r for r in world.declarations if r.truth.fraud_kind == "false_origin"]
    for record in frauds:
        for item, true in zip(record.document["items"], record.truth.items, strict=True):
            declared = applied_rate(item["hs_code"], item["origin_country"], item.get("preference"))
            assert declared <= mfn_rate(true.hs_code)


def test_habitual_offenders_defraud_far_more_often_than_aeos(world: World) -> None:
    kind = {o.id: o.kind for o in world.organisations}

    def rate(trader_kind: str) -> float:
        records = [r for r in world.declarations if kind[r.document["importer"]["id"]] == trader_kind]
        return sum(r.truth.fraud for r in records) / len(records)

    assert rate("offender") > 5 * rate("aeo")
    assert rate("offender") > rate("regular") > rate("aeo")


def test_inspections_are_targeted_plus_a_flagged_random_sample(world: World) -> None:
    records = world.declarations
    inspected = [r for r in records if r.inspected]
    randoms = [r for r in records if r.random_pick]
    assert 0.08 <= len(inspected) / len(records) <= 0.12
    assert randoms and all(r.inspected for r in randoms)
    assert 0.002 <= len(randoms) / len(records) <= 0.03
    assert all(r.inspected and r.truth.fraud for r in records if r.found_fraud)
    # Labels are selection-biased: targeting finds fraud far above its base rate.
    targeted = [r for r in inspected if not r.random_pick]
    base = sum(r.truth.fraud for r in records) / len(records)
    assert sum(r.truth.fraud for r in targeted) / len(targeted) > 2 * base
