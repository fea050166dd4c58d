"""The tariff schedule in force, as a cached snapshot for computation (built once per imported version)."""

from __future__ import annotations

import dataclasses
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.config import get_settings
from clearway.tariff.errors import DutyNotComputable, problem
from clearway.tariff.models import ScheduleVersion, TariffLine, TariffMeasure, TradeAgreement
from clearway.tariff.snapshot import Agreement, Measure, Schedule

# Versions never change once imported, so a snapshot can be cached; the file checksum is part of
# the key so that two databases (tests, tenants) reusing a version number never share a stale one.
_cache: dict[tuple[int, str, str], Schedule] = {}
_cache_lock = threading.Lock()


def schedule_version_current(*, db: Session) -> ScheduleVersion | None:
    """The schedule version in force: the latest import."""
    return db.scalars(select(ScheduleVersion).order_by(ScheduleVersion.id.desc()).limit(1)).first()


def _build(db: Session, version_id: int, currency: str) -> Schedule:
    lines = db.execute(select(TariffLine.code, TariffLine.description, TariffLine.supplementary_unit)
                       .where(TariffLine.version_id == version_id)).all()
    measures = [
        Measure(r.ref, r.code, r.kind, r.valid_from, r.valid_to, r.basis, r.rate_pct, r.amount, r.amount_currency,
                r.per_unit, r.agreement, r.agency, r.legal_basis)
        for r in db.scalars(select(TariffMeasure).where(TariffMeasure.version_id == version_id))
    ]
    return Schedule.build(currency=currency, lines=[(r.code, r.description, r.supplementary_unit) for r in lines],
                          measures=measures, version=version_id)


def schedule_snapshot(*, db: Session, version_id: int | None = None, currency: str | None = None) -> Schedule:
    """The schedule (the current version unless one is named) with today's agreements, for computation."""
    currency = currency or get_settings().national_currency
    version = schedule_version_current(db=db) if version_id is None else db.get(ScheduleVersion, version_id)
    if version is None:
        raise DutyNotComputable([problem("schedule_missing")])
    key = (version.id, version.checksum, currency)
    with _cache_lock:
        schedule = _cache.get(key)
    if schedule is None:
        schedule = _build(db, version.id, currency)
        with _cache_lock:
            if len(_cache) >= 4:
                _cache.clear()
            _cache[key] = schedule
    # Agreements are few and may change between schedule versions: read them every time.
    agreements = {a.code: Agreement(a.code, a.name, frozenset(p.country for p in a.partners), a.valid_from,
                                    a.valid_to) for a in db.scalars(select(TradeAgreement))}
    return dataclasses.replace(schedule, agreements=agreements)
