"""Degraded risk mode: a broken model or a failing, slow engine never fails lodging and never releases unchecked
goods; the lodgement takes the office's fallback channel with the reason risk.degraded, and the engine recovers
by itself."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clearway.risk.ml.scoring import ModelSlot
from tests.factories import auth
from tests.risk_engine.conftest import NORMAL, UNDERVALUED, priced


@pytest.fixture(autouse=True)
def quick_recovery(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A degraded snapshot is retried at every lodgement; the process's engine starts in normal mode."""
    from clearway.risk.engine.live import engine
    from clearway.risk.settings import risk_settings

    monkeypatch.setenv("CLEARWAY_RISK_RETRY_S", "0")
    risk_settings.cache_clear()
    engine.mode = None
    yield
    risk_settings.cache_clear()
    engine.mode = None


def _promoted_copy(client: Any, models_env: Path) -> Path:
    """A private copy of the small bundle, registered and promoted; returns its directory."""
    name = f"copy-{uuid.uuid4().hex[:8]}"
    shutil.copytree(models_env / "small", models_env / name)
    analyst = auth(client, "analyst")
    registered = client.post("/api/v1/risk/models", json={"path": name}, headers=analyst)
    assert registered.status_code == 201, registered.text
    mid = registered.json()["id"]
    assert client.post(f"/api/v1/risk/models/{mid}/shadow", headers=analyst).status_code == 200
    assert client.post(f"/api/v1/risk/models/{mid}/promote", headers=analyst).status_code == 200
    return models_env / name


def _lodge(client: Any, item: dict[str, Any], **headers: str) -> dict[str, Any]:
    r = client.post("/api/v1/declarations", json=priced(item), headers={**auth(client, "trader-a"), **headers})
    assert r.status_code == 201, r.text
    return r.json()


def _decision(client: Any, mrn: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/risk/decisions/{mrn}", headers=auth(client, "officer"))
    assert r.status_code == 200, r.text
    return r.json()


def _config_change(client: Any) -> None:
    """An analyst changes the engine's configuration (every process reloads its snapshot)."""
    analyst = auth(client, "analyst")
    rule = client.post("/api/v1/risk/rules", json={"name": "arms", "channel": "red", "reason": "Arms",
                                                  "expression": 'item.hs_code == "930100"'}, headers=analyst)
    assert rule.status_code == 201, rule.text
    assert client.post(f"/api/v1/risk/rules/{rule.json()['id']}/activate", json={"version": 1},
                       headers=analyst).status_code == 200


def _audit_actions() -> list[tuple[str, str]]:
    from clearway.audit.models import AuditRecord
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        return [(a, t) for a, t in db.execute(select(AuditRecord.action, AuditRecord.target_id)
                                              .where(AuditRecord.target_type == "risk_engine")
                                              .order_by(AuditRecord.id))]


def _gauge(client: Any) -> float:
    text = client.get("/metrics").text
    line = next(x for x in text.splitlines() if x.startswith("clearway_risk_degraded "))
    return float(line.split()[1])


def test_a_corrupt_model_bundle_sends_lodgements_to_the_fallback_channel_until_it_is_repaired(client, models_env):
    bundle = _promoted_copy(client, models_env)
    normal = _decision(client, _lodge(client, NORMAL)["mrn"])
    assert normal["model_version"] and normal["degraded"] is None and normal["channel"] == "green"

    card = (bundle / "card.json").read_text()
    (bundle / "card.json").write_text(card[: len(card) // 2])  # the model card is damaged on disk
    _config_change(client)  # the engine reloads and cannot read the bundle any more
    lodged = _lodge(client, NORMAL)
    seen = _decision(client, lodged["mrn"])
    assert lodged["channel"] == "yellow" and lodged["status"] == "under_control"  # checked, not released
    assert seen["degraded"] == "model.unavailable" and seen["model_version"] is None
    assert "degraded" in seen["sources"] and "risk engine degraded" in seen["reasons"][0]
    assert _gauge(client) == 1.0
    page = client.get(f"/declarations/{lodged['mrn']}", headers={**auth(client, "officer"), "Accept-Language": "es"})
    assert "risk.degraded" in page.text and "no se pudo cargar el modelo de riesgo" in page.text

    time.sleep(0.01)  # a new modification time on the repaired card
    (bundle / "card.json").write_text(card)
    recovered = _decision(client, _lodge(client, NORMAL)["mrn"])
    assert recovered["degraded"] is None and recovered["model_version"] == normal["model_version"]
    assert recovered["channel"] == "green" and _gauge(client) == 0.0
    assert _audit_actions() == [("risk.degraded", "model.unavailable"), ("risk.recovered", "model.unavailable")]


def test_a_missing_bundle_at_start_is_degraded_not_unchecked(client, models_env):
    from clearway.risk.engine.live import engine
    from clearway.risk.ml import scoring

    bundle = _promoted_copy(client, models_env)
    shutil.rmtree(bundle)  # the bundle is gone when a new process starts
    engine.snapshot = None
    scoring._cache.clear()
    lodged = _lodge(client, NORMAL)
    assert lodged["channel"] == "yellow" and _decision(client, lodged["mrn"])["degraded"] == "model.unavailable"


def test_scoring_that_raises_keeps_the_rules_and_raises_the_channel_to_the_fallback(client, models_env,
                                                                                     monkeypatch):
    _promoted_copy(client, models_env)
    analyst = auth(client, "analyst")
    rule = client.post("/api/v1/risk/rules", json={"name": "cheap", "channel": "red", "reason": "Undervalued",
                                                  "expression": "item.value < 1000"}, headers=analyst).json()
    client.post(f"/api/v1/risk/rules/{rule['id']}/activate", json={"version": 1}, headers=analyst)

    def broken(self: ModelSlot, records: list[dict[str, Any]]) -> Any:
        raise RuntimeError("booster crashed")

    monkeypatch.setattr(ModelSlot, "assess", broken)
    cheap, normal = _lodge(client, UNDERVALUED), _lodge(client, NORMAL)
    assert cheap["channel"] == "red" and normal["channel"] == "yellow"  # rules-only, never below the fallback
    cheap_seen, normal_seen = _decision(client, cheap["mrn"]), _decision(client, normal["mrn"])
    assert cheap_seen["degraded"] == normal_seen["degraded"] == "model.error"
    assert cheap_seen["rule_hits"][0]["rule_id"] == rule["id"] and set(cheap_seen["sources"]) == {"rule", "degraded"}

    monkeypatch.undo()  # the scoring works again: the next lodgement is scored normally
    again = _decision(client, _lodge(client, NORMAL)["mrn"])
    assert again["degraded"] is None and again["score"] is not None and again["channel"] == "green"


def test_a_decision_over_its_budget_takes_the_offices_own_fallback(client, models_env, monkeypatch):
    from clearway.risk.settings import risk_settings

    _promoted_copy(client, models_env)
    monkeypatch.setenv("CLEARWAY_RISK_BUDGET_MS", "50")
    monkeypatch.setenv("CLEARWAY_RISK_DEGRADED_OFFICES", '{"KR0101": "red"}')
    risk_settings.cache_clear()
    real = ModelSlot.assess

    def slow(self: ModelSlot, records: list[dict[str, Any]]) -> Any:
        time.sleep(0.4)
        return real(self, records)

    monkeypatch.setattr(ModelSlot, "assess", slow)
    started = time.monotonic()
    lodged = _lodge(client, NORMAL)
    assert time.monotonic() - started < 5
    seen = _decision(client, lodged["mrn"])
    assert lodged["channel"] == "red" and seen["degraded"] == "timeout"
    assert "physical inspection by default" in seen["reasons"][0]


def test_sensitive_goods_keep_their_baseline_channel_when_nothing_can_be_evaluated(client, models_env,
                                                                                   monkeypatch):
    from clearway.risk.engine import live

    _promoted_copy(client, models_env)

    def unusable(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("snapshot")

    monkeypatch.setattr(live, "snapshot_load", unusable)
    live.engine.snapshot = None
    arms = _lodge(client, {"hs_code": "930200", "origin_country": "CN", "net_mass_kg": "40", "value": "900.00"})
    plain = _lodge(client, NORMAL)
    assert (arms["channel"], plain["channel"]) == ("red", "yellow")
    assert _decision(client, plain["mrn"])["degraded"] == "engine.error"
