"""Coded errors: an unknown line, a missing measure or a rate gap is never a silent zero."""

from __future__ import annotations

from datetime import date

import pytest

from clearway.errors import Problem
from clearway.tariff.compute import compute_duties
from clearway.tariff.errors import DutyNotComputable
from clearway.tariff.snapshot import RateTable
from tests.tariff.worked_schedule import JAN, MAR, RATES, SCHEDULE, declaration, item


def _problems(document: object, on: date = JAN, rates: RateTable = RATES) -> list[Problem]:
    with pytest.raises(DutyNotComputable) as caught:
        compute_duties(document=document, schedule=SCHEDULE, rates=rates, on=on)  # type: ignore[arg-type]
    assert caught.value.status == 422
    return caught.value.problems


def test_unknown_line_points_at_the_item_code() -> None:
    problems = _problems(declaration(item("61091000", "1000"), item("61091000", "1000"), item("99999999", "5")))
    assert [(p.code, p.pointer) for p in problems] == [("tariff.line_unknown", "/items/2/hs_code")]
    assert problems[0].params["hs_code"] == "99999999"


def test_hs6_with_several_national_lines_is_ambiguous_and_names_them() -> None:
    (problem,) = _problems(declaration(item("220830", "1000")))
    assert (problem.code, problem.pointer) == ("tariff.line_ambiguous", "/items/0/hs_code")
    assert problem.params["candidates"] == "2208301000, 2208309000"


def test_duty_measure_missing_on_the_date() -> None:
    # Jewellery had a duty measure until 2025-12-31 only, and chapter 71 has no VAT measure at all.
    problems = _problems(declaration(item("71131900", "1000000")))
    assert [(p.code, p.pointer, p.params["measure"]) for p in problems] == [
        ("tariff.measure_missing", "/items/0/hs_code", "duty"), ("tariff.measure_missing", "/items/0/hs_code", "vat")]
    assert problems[0].params["on"] == "2026-01-15"


def test_measure_before_the_schedule_starts_is_missing() -> None:
    problems = _problems(declaration(item("61091000", "1000000")), on=date(2021, 12, 31), rates=RATES)
    assert {p.code for p in problems} == {"tariff.measure_missing"}


def test_rate_gap_is_a_coded_error_on_the_currency() -> None:
    # USD has rates for January, February and from April: March is a gap.
    (problem,) = _problems(declaration(item("61091000", "1000"), currency="USD"), on=MAR)
    assert (problem.code, problem.pointer, problem.params) == (
        "tariff.rate_missing", "/currency", {"currency": "USD", "on": "2026-03-10"})


def test_currency_without_any_rate() -> None:
    (problem,) = _problems(declaration(item("61091000", "1000"), currency="CHF"))
    assert (problem.code, problem.pointer) == ("tariff.rate_missing", "/currency")


def test_rate_gap_for_a_specific_amount_in_foreign_currency() -> None:
    no_euro = RateTable("KRW", {k: v for k, v in RATES.rates.items() if k != "EUR"})
    (problem,) = _problems(declaration(item("07031000", "1000000", mass="10")), rates=no_euro)
    assert (problem.code, problem.pointer, problem.params["currency"]) == (
        "tariff.rate_missing", "/items/0/hs_code", "EUR")


def test_quantity_in_a_unit_the_specific_rate_cannot_use() -> None:
    (problem,) = _problems(declaration(item("22030000", "1000000", qty=("500", "KGM"))))
    assert (problem.code, problem.pointer) == ("tariff.quantity_unit_mismatch", "/items/0/quantity/unit")
    assert (problem.params["expected"], problem.params["given"]) == ("LTR", "KGM")


def test_unknown_incoterm() -> None:
    (problem,) = _problems(declaration(item("61091000", "1000"), incoterm="XYZ"))
    assert (problem.code, problem.pointer) == ("tariff.incoterm_unknown", "/incoterm")


def test_all_problems_of_a_declaration_are_reported_together() -> None:
    problems = _problems(declaration(item("00000000", "1"), item("61091000", "1"), item("71131900", "1"),
                                     currency="USD"), on=MAR)
    assert [(p.code, p.pointer) for p in problems] == [
        ("tariff.rate_missing", "/currency"), ("tariff.line_unknown", "/items/0/hs_code"),
        ("tariff.measure_missing", "/items/2/hs_code"), ("tariff.measure_missing", "/items/2/hs_code")]


def test_rates_and_schedule_must_share_the_national_currency() -> None:
    with pytest.raises(ValueError, match="EUR"):
        compute_duties(document=declaration(item("61091000", "1")), schedule=SCHEDULE, rates=RateTable("EUR", {}),
                       on=JAN)
