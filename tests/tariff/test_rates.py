"""Customs exchange rates: ECB cross rates, validity ranges, gaps, file import."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.tariff.compute import compute_duties
from clearway.tariff.errors import DutyNotComputable
from clearway.tariff.models import ExchangeRate
from clearway.tariff.rates import (
    ecb_customs_rates,
    ecb_history,
    rates_import,
    rates_seed_ecb,
    rates_snapshot,
    rates_store,
)
from tests.tariff.worked_schedule import SCHEDULE, declaration, item

NOW = datetime(2026, 11, 2, tzinfo=UTC)
SIX = Decimal("0.000001")


def test_cross_rate_is_national_per_euro_over_foreign_per_euro() -> None:
    rows = {(c, d): r for c, d, _to, r in ecb_customs_rates(national="KRW", since=date(2026, 10, 1))}
    day = ecb_history(date(2026, 10, 30))[date(2026, 10, 30)]
    assert rows[("USD", date(2026, 10, 30))] == (day["KRW"] / day["USD"]).quantize(SIX, ROUND_HALF_UP)
    assert rows[("EUR", date(2026, 10, 30))] == day["KRW"]
    assert ("KRW", date(2026, 10, 30)) not in rows


def test_euro_as_national_currency() -> None:
    rows = {(c, d): r for c, d, _to, r in ecb_customs_rates(national="EUR", since=date(2026, 10, 30))}
    usd_per_euro = ecb_history(date(2026, 10, 30))[date(2026, 10, 30)]["USD"]
    assert rows[("USD", date(2026, 10, 30))] == (1 / usd_per_euro).quantize(SIX)


def test_a_currency_the_ecb_does_not_quote_cannot_be_national() -> None:
    with pytest.raises(ValueError, match="XAF"):
        ecb_customs_rates(national="XAF", since=date(2026, 1, 1))


def _usd(db: Session, day: date) -> Decimal | None:
    return rates_snapshot(db=db, national="KRW", currencies=["USD"], on=day).rate("USD", day)


def test_friday_rate_covers_the_weekend_and_stops_at_the_next_publication(db: Session) -> None:
    rates_seed_ecb(db=db, national="KRW", now=NOW, since=date(2026, 10, 1))
    friday = _usd(db, date(2026, 10, 23))
    assert friday is not None
    assert _usd(db, date(2026, 10, 24)) == _usd(db, date(2026, 10, 25)) == friday
    assert _usd(db, date(2026, 10, 26)) not in (None, friday)


def test_the_last_rate_is_carried_only_when_asked(db: Session) -> None:
    rows = ecb_customs_rates(national="KRW", since=date(2026, 10, 1))
    last = max(r for r in rows if r[0] == "USD")
    assert last[2] == last[1] + timedelta(days=6)  # at most a week without publication
    rates_seed_ecb(db=db, national="KRW", now=NOW, since=date(2026, 10, 1), carry_until=date(2027, 1, 31))
    assert _usd(db, date(2027, 1, 15)) == last[3]


def test_a_currency_no_longer_published_leaves_a_gap_that_is_a_coded_error(db: Session) -> None:
    # The ECB stopped quoting RUB on 1 March 2022: its last rate covers a week, then nothing.
    rows = [r for r in ecb_customs_rates(national="KRW", since=date(2022, 2, 20)) if r[0] == "RUB"]
    rates_store(db=db, rows=rows, source="ECB", now=NOW)
    assert rates_snapshot(db=db, national="KRW", currencies=["RUB"], on=date(2022, 3, 7)).rate("RUB", date(2022, 3, 7))
    gap = date(2022, 3, 8)
    rates = rates_snapshot(db=db, national="KRW", currencies=["RUB"], on=gap)
    assert rates.rate("RUB", gap) is None
    with pytest.raises(DutyNotComputable) as caught:
        compute_duties(document=declaration(item("61091000", "1000"), currency="RUB"), schedule=SCHEDULE,
                       rates=rates, on=gap)
    assert [(p.code, p.pointer) for p in caught.value.problems] == [("tariff.rate_missing", "/currency")]


def test_seeding_twice_updates_rather_than_duplicates(db: Session) -> None:
    first = rates_seed_ecb(db=db, national="KRW", now=NOW, since=date(2026, 10, 20))
    rates_seed_ecb(db=db, national="KRW", now=NOW, since=date(2026, 10, 20))
    assert db.scalar(select(func.count()).select_from(ExchangeRate)) == first


def test_rates_file_import_and_row_errors(db: Session, tmp_path: Path) -> None:
    good = tmp_path / "rates.csv"
    good.write_text("currency,valid_from,valid_to,rate\nUSD,2026-01-01,2026-01-07,1300.5\nUSD,2026-01-08,,1310\n")
    assert rates_import(db=db, path=good, now=NOW).ok
    table = rates_snapshot(db=db, national="KRW", currencies=["USD", "KRW"], on=date(2026, 1, 5))
    assert table.rate("USD", date(2026, 1, 5)) == Decimal("1300.5") and table.rate("KRW", date(2026, 1, 5)) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,valid_from,valid_to,rate\nUSD,2026-02-01,,0\nZZZ,2026-02-01,,1\nEUR,01/02/2026,,1500\n")
    report = rates_import(db=db, path=bad, now=NOW)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "rate", "tariff.import_decimal"), (3, "currency", "tariff.import_choice"),
        (4, "valid_from", "tariff.import_date")]
    assert db.scalar(select(func.count()).select_from(ExchangeRate)) == 2
