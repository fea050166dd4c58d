"""Seeding the demo: schedule, agreements and customs exchange rates shipped with the package."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from clearway.config import get_settings
from clearway.tariff.errors import ImportFailed, problem
from clearway.tariff.importer import ImportReport, agreements_import, tariff_import
from clearway.tariff.rates import RateRow, rates_seed_ecb, rates_store
from clearway.tariff.service import schedule_version_current

RATES_SINCE = date(2022, 1, 1)  # HS 2022 came into force; older rates are not needed by the demo
# The ECB does not publish these, yet the demo world invoices in them: the demo stores one fixed rate
# each (KRW per unit, the synthetic world's own table), source "demo", so its declarations compute.
DEMO_ONLY_RATES = {"TWD": Decimal("42"), "VND": Decimal("0.054")}
# The bundled ECB file ends on some day; the demo keeps its last rates in force this long after
# seeding so that declarations lodged today compute. A real deployment imports fresh rates instead.
DEMO_RATE_CARRY = timedelta(days=366)


@dataclass(frozen=True)
class DemoSeed:
    """What demo_seed loaded."""

    schedule_version_id: int
    lines: int
    measures: int
    agreements: int
    rates: int


def data_file(name: str) -> Path:
    """The path of a file shipped in clearway.tariff.data."""
    return Path(str(resources.files("clearway.tariff.data").joinpath(name)))


def _checked(report: ImportReport) -> ImportReport:
    if report.errors:  # the shipped files are generated and tested: an error here is a packaging bug
        first = report.errors[0]
        raise ImportFailed([problem("import_demo", "", file=report.path, row=first.row, error=first.code)])
    return report


def demo_seed(*, db: Session, now: datetime) -> DemoSeed:
    """Load the demo schedule (unless already current), the agreements and the ECB customs rates."""
    schedule_path = data_file("demo_schedule.csv")
    current = schedule_version_current(db=db)
    checksum = hashlib.sha256(schedule_path.read_bytes()).hexdigest()
    if current is not None and current.checksum == checksum:
        version_id, lines, measures = current.id, current.line_count, current.measure_count
    else:
        report = _checked(tariff_import(db=db, path=schedule_path, actor_id=None, now=now, dry_run=False))
        assert report.version_id is not None
        version_id, lines, measures = report.version_id, report.lines, report.measures
    agreements = _checked(agreements_import(db=db, path=data_file("demo_agreements.csv"))).rows
    national = get_settings().national_currency
    rates = rates_seed_ecb(db=db, national=national, now=now, since=RATES_SINCE,
                           carry_until=now.date() + DEMO_RATE_CARRY)
    until = now.date() + DEMO_RATE_CARRY
    extra: list[RateRow] = [(c, RATES_SINCE, until, r) for c, r in DEMO_ONLY_RATES.items() if c != national]
    rates += rates_store(db=db, rows=extra, source="demo", now=now)
    return DemoSeed(version_id, lines, measures, agreements, rates)
