"""What lodging reads from the tariff, kept in memory per process and per database.

Lodging is benchmarked at hundreds of declarations a second, so it never reloads the schedule:
the state below (schedule snapshot with its agreements, exchange rates, holders of advance rulings,
of deferment accounts and of guarantees) is checked against a cheap stamp at most every
CHECK_EVERY_S seconds and rebuilt only when the stamp changed (a new schedule version, a rate
import, a change of agreements, an issued ruling, a new account or guarantee). Imports and
registrations in this process call `tariff_cache_invalidate`, so the next lookup checks at once.
States are kept per engine, so two databases (tests, tenants) never share one.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select, union
from sqlalchemy.orm import Session

from clearway.config import get_settings
from clearway.tariff.models import (
    AdvanceRuling,
    AgreementPartner,
    DefermentAccount,
    ExchangeRate,
    Guarantee,
    ScheduleVersion,
    TradeAgreement,
)
from clearway.tariff.schedules import schedule_snapshot  # the builder; it caches built versions itself
from clearway.tariff.snapshot import RateTable, Schedule

CHECK_EVERY_S = 3.0
_RATES_KEPT = 4096  # (currency, day) answers remembered per state before the memo starts again
_RULING_STATUSES = ("issued", "revoked")
_ONE = Decimal(1)


def _stamp_query() -> Any:
    latest = select(ScheduleVersion.id, ScheduleVersion.checksum).order_by(ScheduleVersion.id.desc()).limit(1)
    return select(
        latest.with_only_columns(ScheduleVersion.id).scalar_subquery(),
        latest.with_only_columns(ScheduleVersion.checksum).scalar_subquery(),
        select(func.count()).select_from(ExchangeRate).scalar_subquery(),
        select(func.max(ExchangeRate.imported_at)).scalar_subquery(),
        select(func.count()).select_from(AdvanceRuling).where(AdvanceRuling.status.in_(_RULING_STATUSES))
        .scalar_subquery(),
        select(func.count()).select_from(DefermentAccount).scalar_subquery(),
        select(func.count()).select_from(Guarantee).scalar_subquery(),
    )


_STAMP = _stamp_query()
_AGREEMENTS = (select(TradeAgreement.code, TradeAgreement.name, TradeAgreement.valid_from, TradeAgreement.valid_to,
                      AgreementPartner.country)
               .outerjoin(AgreementPartner, AgreementPartner.agreement_id == TradeAgreement.id)
               .order_by(TradeAgreement.code, AgreementPartner.country))


def _stamp(db: Session) -> tuple[Any, ...]:
    """What changes whenever the cached state must be rebuilt (agreements are few: read them whole)."""
    counts = tuple(db.execute(_STAMP).one())
    return counts + tuple(tuple(row) for row in db.execute(_AGREEMENTS))


@dataclass(eq=False)
class TariffState:
    """One consistent view of the tariff for computation; exchange rates are read per currency on first use."""

    stamp: tuple[Any, ...]
    national: str
    schedule: Schedule | None
    ruling_holders: frozenset[str]
    finance_holders: frozenset[str]
    _series: dict[str, tuple[tuple[date, date | None, Decimal], ...]] = field(default_factory=dict)
    _rates: dict[tuple[str, date], Decimal | None] = field(default_factory=dict)

    def rate(self, db: Session, currency: str, on: date) -> Decimal | None:
        """The customs rate of a currency on a day (None: a gap), read from the database once per currency."""
        if currency == self.national:
            return _ONE
        key = (currency, on)
        if key in self._rates:
            return self._rates[key]
        series = self._series.get(currency)
        if series is None:
            series = tuple(db.execute(
                select(ExchangeRate.valid_from, ExchangeRate.valid_to, ExchangeRate.rate)
                .where(ExchangeRate.currency == currency).order_by(ExchangeRate.valid_from)).tuples())
            self._series[currency] = series
        found = None
        for valid_from, valid_to, value in series:  # as RateTable.rate: the latest range covering the day
            if valid_from <= on and (valid_to is None or on <= valid_to):
                found = value
        if len(self._rates) >= _RATES_KEPT:
            self._rates.clear()
        self._rates[key] = found
        return found

    def rate_table(self, db: Session, currencies: set[str], on: date) -> RateTable:
        """A rate table holding, for each currency that has one, only the rate in force on the day."""
        table: dict[str, tuple[tuple[date, date | None, Decimal], ...]] = {}
        for currency in currencies - {self.national}:
            rate = self.rate(db, currency, on)
            if rate is not None:
                table[currency] = ((on, on, rate),)
        return RateTable(self.national, table)


def _load(db: Session, stamp: tuple[Any, ...]) -> TariffState:
    national = get_settings().national_currency
    schedule = schedule_snapshot(db=db, currency=national) if stamp[0] is not None else None
    rulings = db.scalars(select(AdvanceRuling.holder_id).where(AdvanceRuling.status.in_(_RULING_STATUSES))
                         .distinct())
    finance = db.scalars(union(select(DefermentAccount.holder_id).where(DefermentAccount.active.is_(True)),
                               select(Guarantee.holder_id)))
    return TariffState(stamp, national, schedule, frozenset(rulings), frozenset(finance))


@dataclass(frozen=True, slots=True)
class _Entry:
    checked_at: float
    generation: int
    state: TariffState


_entries: weakref.WeakKeyDictionary[Engine, _Entry] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_generation = 0


def tariff_cache_invalidate() -> None:
    """Make the next lookup of every database check its stamp (call after an import or registration)."""
    global _generation
    with _lock:
        _generation += 1


def _fresh(entry: _Entry | None) -> bool:
    return entry is not None and entry.generation == _generation and \
        time.monotonic() - entry.checked_at < CHECK_EVERY_S


def tariff_state(*, db: Session) -> TariffState:
    """The cached tariff state of the session's database, checked against its stamp every few seconds."""
    engine = db.get_bind()
    if not isinstance(engine, Engine):  # a session bound to a connection: no cache to share
        return _load(db, _stamp(db))
    entry = _entries.get(engine)
    if entry is not None and _fresh(entry):
        return entry.state
    with _lock:
        entry = _entries.get(engine)
        if entry is not None and _fresh(entry):
            return entry.state
        generation, stamp = _generation, _stamp(db)
        state = entry.state if entry is not None and entry.state.stamp == stamp else _load(db, stamp)
        _entries[engine] = _Entry(time.monotonic(), generation, state)
        return state

