"""Tariff test fixtures: an in-memory SQLite database holding only the tariff tables.

`db` here shadows the suite-wide migrated database on purpose: the tariff tests stay independent
of other domains' tables and migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

import clearway.tariff.models  # noqa: F401  # registers the tariff tables on Base.metadata
from clearway.db import Base
from clearway.tariff.importer import tariff_import
from clearway.tariff.rates import rates_store


def tariff_engine() -> Engine:
    """A fresh in-memory database with the tariff tables, shared by every thread (TestClient)."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t.name.startswith("tariff_")])
    return engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    """The in-memory tariff database of one test."""
    engine = tariff_engine()
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the in-memory tariff database."""
    with Session(engine, autoflush=False) as session:
        yield session


SCHEDULE_CSV = """record,code,description,unit,basis,rate_pct,amount,currency,per_unit,agreement,agency,valid_from
line,61091000,"T-shirts, singlets and other vests; of cotton, knitted",NAR,,,,,,,,
line,85171300,Smartphones,NAR,,,,,,,,
line,2208301000,Whiskies; bourbon,LTR,,,,,,,,
duty,61,,,ad_valorem,13,,,,,,2022-01-01
duty,85,,,ad_valorem,0,,,,,,2022-01-01
duty,22,,,ad_valorem,20,,,,,,2022-01-01
excise,2208,,,ad_valorem,72,,,,,,2022-01-01
vat,61,,,ad_valorem,10,,,,,,2022-01-01
vat,85,,,ad_valorem,10,,,,,,2022-01-01
vat,22,,,ad_valorem,10,,,,,,2022-01-01
"""


@pytest.fixture
def seeded(db: Session, tmp_path: Path) -> Session:
    """The database with a three-line schedule (T-shirts 13 %, phones 0 %, whisky 20 % + excise 72 %,
    VAT 10 %) and USD at 1,300 KRW from 2026-01-01."""
    path = tmp_path / "schedule.csv"
    path.write_text(SCHEDULE_CSV, encoding="utf-8")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert tariff_import(db=db, path=path, actor_id=None, now=now).ok
    rates_store(db=db, rows=[("USD", date(2026, 1, 1), None, Decimal("1300"))], source="test", now=now)
    return db
