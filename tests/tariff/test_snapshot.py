"""The schedule snapshot: most specific measure wins, dated fallbacks, rate texts, bounded caches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from clearway.tariff.snapshot import Measure, RateTable, Schedule
from clearway.tariff.valuation import cif_factor

START = date(2022, 1, 1)


def _schedule() -> Schedule:
    measures = [
        Measure("CH", "61", "duty", START, basis="ad_valorem", pct=Decimal(8)),
        Measure("HD", "6109", "duty", START, date(2025, 12, 31), basis="ad_valorem", pct=Decimal(13)),
        Measure("LN", "61091000", "duty", date(2024, 1, 1), date(2024, 12, 31), basis="ad_valorem", pct=Decimal(5)),
        Measure("R1", "61", "restriction", START, agency="KATS"),
        Measure("R2", "6109", "restriction", START, agency="KCS"),
    ]
    return Schedule.build(currency="KRW", lines=[("61091000", "T-shirts", None), ("61099000", "Other", None)],
                          measures=measures)


def test_most_specific_measure_in_force_wins_and_falls_back_when_it_ends() -> None:
    line = _schedule().lines["61091000"]
    assert [line.at(day).duty.id for day in (date(2023, 6, 1), date(2024, 6, 1), date(2025, 6, 1),  # type: ignore[union-attr]
                                             date(2026, 6, 1))] == ["HD", "LN", "HD", "CH"]


def test_every_control_in_force_applies() -> None:
    assert [m.agency for m in _schedule().lines["61099000"].at(date(2026, 1, 1)).controls] == ["KCS", "KATS"]


def test_rate_texts() -> None:
    def text(basis: str) -> str:
        return Measure("M", "01", "duty", START, basis=basis, pct=Decimal("8.0000"), amount=Decimal("885.700000"),
                       currency="EUR", per_unit="LTR").describe()
    assert [text(b) for b in ("ad_valorem", "specific", "compound", "mixed_max", "mixed_min")] == [
        "8%", "885.7 EUR/LTR", "8% + 885.7 EUR/LTR", "max(8%, 885.7 EUR/LTR)", "min(8%, 885.7 EUR/LTR)"]
    assert Measure("M", "01", "duty", START, basis="specific", amount=Decimal(100), per_unit="KGM").describe() == (
        "100/KGM")


def test_per_date_caches_stay_small() -> None:
    schedule = _schedule()
    line = schedule.lines["61091000"]
    for n in range(40):
        day = date(2026, 1, 1) + timedelta(days=n)
        line.at(day)
        schedule.resolve("61091000", day)
    assert len(line._at) <= 16 and len(schedule._days) <= 16
    assert line.at(date(2026, 2, 9)).duty is not None


def test_rate_table_picks_the_latest_range_and_never_zero() -> None:
    table = RateTable("KRW", {"USD": ((START, None, Decimal(1200)), (date(2026, 1, 1), None, Decimal(1300)))})
    assert table.rate("USD", date(2025, 12, 31)) == 1200 and table.rate("USD", date(2026, 1, 1)) == 1300
    assert table.rate("USD", date(2021, 12, 31)) is None and table.rate("KRW", START) == 1


def test_cif_factor_by_incoterm() -> None:
    total = Decimal(1000)
    assert cif_factor(incoterm="FOB", freight=None, insurance=None, items_total=total) == Decimal("1.055")
    assert cif_factor(incoterm="CPT", freight="50", insurance=None, items_total=total) == Decimal("1.005")
    assert cif_factor(incoterm="DDP", freight="50", insurance="5", items_total=total) == 1
    assert cif_factor(incoterm="FOB", freight="50", insurance="5", items_total=Decimal(0)) == 1
    assert cif_factor(incoterm="ABC", freight=None, insurance=None, items_total=total) is None
