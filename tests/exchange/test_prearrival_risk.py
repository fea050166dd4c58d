"""A partner's export declaration is scored on arrival by our risk engine (the decision lodging asks: rules and the
promoted model), stored with the pre-arrival record and shown to officers; when the engine cannot score it, the
record says "not scored" and why, never nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clearway.db import get_sessionmaker, utcnow
from clearway.risk.engine.live import engine
from clearway.risk.models import RiskModel
from tests.exchange.flows import jp_envelope, partner_jp
from tests.factories import auth
from tests.risk_engine.conftest import models_dir, models_env  # noqa: F401  (the small trained bundle)

VIETNAM = {"hs_code": "851713", "origin": "VN", "quantity": "250", "value": "200.00", "currency": "USD"}
CHINA = {"hs_code": "851713", "origin": "CN", "quantity": "250", "value": "12500.00", "currency": "USD"}
RULE = {"name": "Handsets of Vietnamese origin", "channel": "yellow", "priority": 300,
        "expression": 'item.hs6 starts_with "8517" and item.origin == "VN"',
        "reason": "Handsets of Vietnamese origin: check the origin proof"}


@pytest.fixture(autouse=True)
def fresh_engine() -> Iterator[None]:
    """The process's risk engine starts unloaded, without a random pick (as lodging's tests have it)."""
    draw = engine.draw
    engine.snapshot, engine.bind, engine.checked, engine.draw = None, None, 0.0, lambda: 0.99
    yield
    engine.snapshot, engine.bind, engine.checked, engine.draw = None, None, 0.0, draw


def _push(client: Any, *envelopes: dict[str, Any]) -> list[str]:
    receipts = client.post("/api/v1/exchange/inbox", json={"envelopes": list(envelopes)}).json()["receipts"]
    return [r["receipt"]["status"] for r in receipts]


def _prearrivals(client: Any, **query: str) -> dict[str, dict[str, Any]]:
    r = client.get("/api/v1/exchange/prearrivals", params=query, headers=auth(client, "officer"))
    assert r.status_code == 200, r.text
    return {p["export_mrn"]: p for p in r.json()["items"]}


def test_a_partners_export_is_scored_on_arrival_by_our_rules_and_model(client, models_env: Path):  # noqa: F811
    jp = partner_jp()
    analyst = auth(client, "analyst")
    model = client.post("/api/v1/risk/models", json={"path": "small"}, headers=analyst)
    assert model.status_code == 201, model.text
    for step in ("shadow", "promote"):
        assert client.post(f"/api/v1/risk/models/{model.json()['id']}/{step}", headers=analyst).status_code == 200
    rule = client.post("/api/v1/risk/rules", json=RULE, headers=analyst)
    assert rule.status_code == 201, rule.text
    client.post(f"/api/v1/risk/rules/{rule.json()['id']}/activate", json={}, headers=analyst)
    assert _push(client, jp_envelope(jp, 1, "26JP0000000001", items=[dict(VIETNAM)]),
                 jp_envelope(jp, 2, "26JP0000000002", items=[dict(CHINA)])) == ["accepted", "accepted"]
    found = _prearrivals(client)
    vietnam, china = found["26JP0000000001"]["risk"], found["26JP0000000002"]["risk"]
    assert (vietnam["state"], vietnam["channel"], china["state"], china["channel"]) == (
        "scored", "yellow", "scored", "green")
    assert [(h["rule_id"], h["name"]) for h in vietnam["rule_hits"]] == [(rule.json()["id"], RULE["name"])]
    assert china["rule_hits"] == [] and vietnam["error"] is None
    for risk in (vietnam, china):  # the promoted model scored both, as it scores a lodgement
        assert risk["model_version"] == model.json()["version"] and 0.0 <= risk["score"] <= 1.0
    assert _prearrivals(client, state="not_scored") == {}
    officer = auth(client, "officer")
    es = client.get("/exchange", headers={**officer, "Accept-Language": "es"})
    assert "Nuestro canal de riesgo" in es.text and "Amarillo" in es.text and RULE["name"] in es.text
    assert "seleccionada por el análisis de riesgo para control documental" in es.text
    assert "selected by risk assessment" not in es.text
    fr = client.get("/exchange", headers={**officer, "Accept-Language": "fr"})
    assert "Notre circuit de risque" in fr.text and "Jaune" in fr.text and "Vert" in fr.text
    # A later version is scored again: the corrected origin no longer hits the rule.
    assert _push(client, jp_envelope(jp, 3, "26JP0000000001", version=2, items=[dict(CHINA)])) == ["accepted"]
    assert _prearrivals(client)["26JP0000000001"]["risk"]["channel"] == "green"


def test_an_export_the_engine_cannot_score_is_kept_as_not_scored_with_the_reason(client):
    jp = partner_jp()
    with get_sessionmaker()() as db, db.begin():  # a promoted model whose bundle is gone: the engine is degraded
        now = utcnow()
        db.add(RiskModel(version="gone-1", path="no-such-bundle", status="promoted", metrics={}, card={},
                         top_features=[], registered_by="analyst", registered_at=now, changed_at=now))
    assert _push(client, jp_envelope(jp, 1, "26JP0000000001", items=[dict(CHINA)])) == ["accepted"]
    [risk] = [p["risk"] for p in _prearrivals(client, state="not_scored").values()]
    assert (risk["state"], risk["channel"], risk["score"]) == ("not_scored", None, None)
    assert (risk["error"], risk["cause"]) == ("exchange.risk_degraded", "model.unavailable")
    assert _prearrivals(client, state="scored") == {}
    fr = client.get("/exchange", headers={**auth(client, "officer"), "Accept-Language": "fr"})
    assert "Non évaluée" in fr.text and "exchange.risk_degraded" in fr.text
    assert "mode dégradé" in fr.text
    assert client.get("/api/v1/exchange/prearrivals", headers=auth(client, "trader-a")).status_code == 403
