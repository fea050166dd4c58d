"""Lodging reads the schedule and rates from a per-process cache that follows new versions and imports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clearway.db import get_sessionmaker, utcnow
from clearway.tariff import cache
from clearway.tariff.importer import tariff_import
from clearway.tariff.rates import rates_store
from tests.tariff_flow.conftest import SCHEDULE, SHIRTS, declaration_with, duties, lodge


def _state():
    with get_sessionmaker()() as db:
        return cache.tariff_state(db=db)


def _import(tmp_path, text: str) -> None:
    path = tmp_path / "v2.csv"
    path.write_text(text, encoding="utf-8")
    with get_sessionmaker()() as db, db.begin():
        assert tariff_import(db=db, path=path, actor_id=None, now=utcnow()).ok


def test_the_state_is_reused_between_lodgements(client, tariff):
    first = _state()
    lodge(client, declaration_with({}))
    assert _state() is first and first.schedule is not None


def test_a_new_schedule_version_is_used_at_once_in_this_process(client, tariff, tmp_path):
    _import(tmp_path, SCHEDULE.replace("duty,61,,,ad_valorem,13", "duty,61,,,ad_valorem,8"))
    body = lodge(client, declaration_with(SHIRTS))
    assert duties(client, body["mrn"])["totals"]["duty"] == "109720"  # 8 % of 1,371,500


def test_another_process_s_import_is_seen_after_the_check_interval(client, tariff, tmp_path, monkeypatch):
    before = _state()
    monkeypatch.setattr("clearway.tariff.importer.tariff_cache_invalidate", lambda: None)  # as if elsewhere
    _import(tmp_path, SCHEDULE.replace("duty,61,,,ad_valorem,13", "duty,61,,,ad_valorem,8"))
    assert _state() is before  # not read again within CHECK_EVERY_S
    later = cache.time.monotonic() + cache.CHECK_EVERY_S + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    after = _state()
    assert after is not before and after.schedule is not None and before.schedule is not None
    assert after.schedule.version != before.schedule.version


def test_a_rate_import_changes_the_rates_used(client, tariff):
    with get_sessionmaker()() as db, db.begin():
        rates_store(db=db, rows=[("USD", date(2020, 1, 1), None, Decimal("1400"))], source="test", now=utcnow())
    body = lodge(client, declaration_with(SHIRTS))
    assert duties(client, body["mrn"])["customs_value"] == "1477000"  # 1,055 USD x 1,400
