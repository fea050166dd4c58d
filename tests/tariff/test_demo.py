"""The demo schedule, agreements and rates: complete, consistent with their generator, and usable."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.declarations.schemas import EXAMPLE, DeclarationCreate
from clearway.reference import service as reference
from clearway.tariff.demo import data_file, demo_seed
from clearway.tariff.demo_build import schedule_rows
from clearway.tariff.models import ScheduleVersion
from clearway.tariff.service import duties_calculate, schedule_snapshot
from tests.tariff.conftest import tariff_engine
from tests.tariff.worked_schedule import item

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
TRADED_CHAPTERS = ["84", "85", "61", "62", "64", "87", "22", "24", "72", "73", "39", "95", "94", "30",
                   *(f"{n:02d}" for n in range(2, 22))]


@pytest.fixture(scope="module")
def demo() -> Iterator[Session]:
    engine = tariff_engine()
    with Session(engine) as session:
        demo_seed(db=session, now=NOW)
        yield session
    engine.dispose()


def test_shipped_file_is_what_the_generator_writes() -> None:
    with open(data_file("demo_schedule.csv"), encoding="utf-8") as fh:
        shipped = [{k: v for k, v in row.items() if v} for row in csv.DictReader(fh)]
    assert shipped == [{k: v for k, v in row.items() if v} for row in schedule_rows()]


def test_every_traded_hs6_has_a_line_with_duty_and_vat_today(demo: Session) -> None:
    schedule = schedule_snapshot(db=demo, currency="KRW")
    edition = reference.hs_edition_on(TODAY)
    assert edition is not None
    hs6 = [c for c, (level, _, _) in edition.codes.items() if level == 6 and c[:2] in TRADED_CHAPTERS]
    assert len(hs6) > 2000
    for code in hs6:
        lines = [schedule.lines[c] for c in schedule.by_prefix.get(code, ())] or [schedule.lines[code + "00"]]
        for line in lines:
            resolved = line.at(TODAY)
            assert resolved.duty is not None and resolved.vat is not None, line.code


def test_schema_example_computes_in_the_demo(demo: Session) -> None:
    result = duties_calculate(db=demo, document=DeclarationCreate.model_validate(EXAMPLE), on=TODAY)
    assert result.totals["duty"] == 0 and result.totals["vat"] > 0  # smartphones: ITA 0 %, VAT 10 %
    assert [c.measure.agency for c in result.controls] == ["RRA"]


def test_korus_beef_is_phased_and_rice_is_excluded(demo: Session) -> None:
    body = {**EXAMPLE, "currency": "USD", "incoterm": "CIF", "items": [
        item("02013000", "10000", origin="US", preference="KRUS", proof="CO-1"),
        item("10063000", "10000", mass="10000", origin="US", preference="KRUS", proof="CO-1")]}
    result = duties_calculate(db=demo, document=DeclarationCreate.model_validate(body), on=TODAY)
    beef, rice = (line for line in result.lines if line.tax == "duty")
    assert (beef.preference, beef.rate) == ("KRUS", "5.3%")
    assert (rice.preference, rice.rate) == (None, "max(513%, 2000/KGM)")
    assert [n.code for n in result.notices] == ["tariff.preference_no_rate"]


def test_demo_rates_cover_today_and_seeding_again_adds_no_version(demo: Session) -> None:
    body = {**EXAMPLE, "currency": "EUR"}
    assert duties_calculate(db=demo, document=DeclarationCreate.model_validate(body), on=TODAY).exchange_rate > 1000
    demo_seed(db=demo, now=NOW)
    assert demo.scalar(select(func.count()).select_from(ScheduleVersion)) == 1
    assert date(2026, 11, 26) == TODAY
