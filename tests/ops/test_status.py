"""The public status page and API: component health probed for real, notices administrators post, traders told
through their feed, and a page that answers when the database does not."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from clearway.db import utcnow
from tests.factories import auth, document, job_context
from tests.locales import assert_translated

SAME = {"es": set(), "fr": {"ui.status.kind", "ui.status.kind.incident"}}  # the same word in French


def _notice(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body = {"kind": "maintenance", "services": ["risk", "worker"],
            "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(hours=1)).isoformat(),
            "title": {"en": "Database upgrade", "es": "Actualización de la base de datos",
                      "fr": "Mise à niveau de la base de données"},
            "message": {"en": "Lodging stays open; releases may wait.", "es": "Se puede seguir declarando.",
                        "fr": "Les déclarations restent ouvertes."}}
    return {**body, **overrides}


def _components(client: Any) -> dict[str, dict[str, Any]]:
    r = client.get("/api/v1/status")
    assert r.status_code == 200, r.text
    return {c["key"]: c for c in r.json()["components"]}


def test_the_status_is_public_and_probes_each_component(client):
    from clearway.ops.jobs import heartbeat

    parts = _components(client)
    assert list(parts) == ["api", "database", "worker", "risk", "outbound"]
    assert parts["database"]["status"] == "operational" and parts["worker"]["status"] == "unknown"
    assert parts["risk"]["status"] == parts["outbound"]["status"] == "operational"
    heartbeat(job_context())  # the worker beats
    assert _components(client)["worker"]["status"] == "operational"
    assert client.get("/api/v1/status").json()["status"] == "operational"


def test_a_worker_that_stopped_beating_is_reported_down(client):
    from clearway.db import get_sessionmaker
    from clearway.ops.service import heartbeat_beat

    long_ago = utcnow() - timedelta(minutes=5)
    with get_sessionmaker()() as db, db.begin():
        heartbeat_beat(db=db, name="worker", now=long_ago, started_at=long_ago)
    worker = _components(client)["worker"]
    assert worker["status"] == "down" and re.fullmatch(r"last beat 3\d\d s ago", worker["detail"])
    assert client.get("/api/v1/status").json()["status"] == "down"


def test_the_risk_engine_in_degraded_mode_shows_and_clears_by_itself(client, monkeypatch):
    from clearway.risk.engine import live

    def unusable(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("snapshot")

    monkeypatch.setattr(live, "snapshot_load", unusable)
    live.engine.snapshot = None
    trader = auth(client, "trader-a")
    assert client.post("/api/v1/declarations", json=document(), headers=trader).json()["channel"] == "yellow"
    risk = _components(client)["risk"]
    assert risk["status"] == "degraded" and risk["detail"].startswith("risk.degraded: engine.error")
    monkeypatch.undo()
    live.engine.snapshot = None
    assert client.post("/api/v1/declarations", json=document(), headers=trader).json()["channel"] == "green"
    assert _components(client)["risk"]["status"] == "operational"
    assert live.engine.mode is None  # the engine's own mode followed


def test_admins_post_notices_that_mark_components_and_keep_a_history(client):
    admin = auth(client, "admin")
    for who in ("trader-a", "officer", "analyst", "auditor"):
        assert client.post("/api/v1/status/notices", json=_notice(), headers=auth(client, who)).status_code == 403
    assert client.post("/api/v1/status/notices", json=_notice()).status_code == 401
    posted = client.post("/api/v1/status/notices", json=_notice(), headers=admin)
    assert posted.status_code == 201, posted.text
    notice = posted.json()
    assert (notice["state"], notice["active"], notice["services"]) == ("scheduled", True, ["risk", "worker"])
    status = client.get("/api/v1/status").json()
    assert status["status"] == "maintenance" and [n["id"] for n in status["notices"]] == [notice["id"]]
    assert {c["key"]: c["status"] for c in status["components"]}["risk"] == "maintenance"

    wrong = client.post(f"/api/v1/status/notices/{notice['id']}/updates", headers=admin,
                        json={"state": "resolved", "message": _notice()["message"]})
    assert wrong.status_code == 409 and wrong.json()["errors"][0]["code"] == "status.state_invalid"
    assert wrong.json()["errors"][0]["pointer"] == "/state"
    done = client.post(f"/api/v1/status/notices/{notice['id']}/updates", headers=admin, json={
        "state": "completed", "message": {"en": "Done.", "es": "Terminado.", "fr": "Terminé."}}).json()
    assert done["state"] == "completed" and done["active"] is False and done["ends_at"] is not None
    assert [u["state"] for u in done["updates"]] == ["completed", "scheduled"]
    assert client.get("/api/v1/status").json()["notices"] == []
    history = client.get("/api/v1/status/notices").json()["items"]
    assert [n["id"] for n in history] == [notice["id"]] and history[0]["updates"][0]["message"]["fr"] == "Terminé."
    closed = client.post(f"/api/v1/status/notices/{notice['id']}/updates", headers=admin,
                         json={"state": "in_progress", "message": _notice()["message"]})
    assert closed.status_code == 409 and closed.json()["errors"][0]["code"] == "status.notice_closed"


def test_a_notice_needs_all_three_languages_and_a_state_of_its_kind(client):
    admin = auth(client, "admin")
    english_only = _notice(title={"en": "Upgrade"})
    assert client.post("/api/v1/status/notices", json=english_only, headers=admin).status_code == 422
    assert client.post("/api/v1/status/notices", json=_notice(state="resolved"), headers=admin).status_code == 422
    assert client.post("/api/v1/status/notices", json=_notice(services=["printer"]), headers=admin).status_code == 422
    assert client.get("/api/v1/status/notices/999").status_code == 404


def _feed(client: Any, who: str) -> list[dict[str, Any]]:
    return [n for n in client.get("/api/v1/notifications", headers=auth(client, who)).json()["items"]
            if n["type"] == "status.notice"]


def test_subscribed_traders_get_notices_and_their_updates_in_their_feed(client):
    from clearway.notifications.jobs import relay

    a = auth(client, "trader-a")
    assert client.get("/api/v1/status/subscription", headers=a).json()["subscribed"] is False
    assert client.put("/api/v1/status/subscription", headers=a).json()["subscribed"] is True
    assert client.put("/api/v1/status/subscription", headers=a).json()["subscribed"] is True  # once is enough
    admin = auth(client, "admin")
    incident = client.post("/api/v1/status/notices", headers=admin, json=_notice(
        kind="incident", ends_at=None, services=["outbound"])).json()
    client.post(f"/api/v1/status/notices/{incident['id']}/updates", headers=admin, json={
        "state": "identified", "message": {"en": "A partner link is down.", "es": "Un enlace está caído.",
                                           "fr": "Un lien est coupé."}})
    relay(job_context())
    got = _feed(client, "trader-a")
    assert [(n["data"]["notice_id"], n["data"]["state"]) for n in got] == [(incident["id"], "investigating"),
                                                                          (incident["id"], "identified")]
    assert got[1]["data"]["message"]["es"] == "Un enlace está caído." and got[1]["data"]["services"] == ["outbound"]
    assert _feed(client, "trader-b") == []  # not subscribed
    assert client.delete("/api/v1/status/subscription", headers=a).json()["subscribed"] is False
    client.post(f"/api/v1/status/notices/{incident['id']}/updates", headers=admin, json={
        "state": "resolved", "message": {"en": "Fixed.", "es": "Resuelto.", "fr": "Résolu."}})
    relay(job_context())
    assert len(_feed(client, "trader-a")) == 2


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Service status", "Database upgrade", "Risk assessment", "under maintenance")),
    ("es", ("Estado del servicio", "Actualización de la base de datos", "Evaluación de riesgos", "en mantenimiento")),
    ("fr", ("État du service", "Mise à niveau de la base de données", "Évaluation des risques", "en maintenance")),
])
def test_the_status_page_needs_no_sign_in_and_speaks_three_languages(client, lang, words):
    client.post("/api/v1/status/notices", json=_notice(), headers=auth(client, "admin"))
    page = client.get("/status", headers={"Accept-Language": lang})
    assert page.status_code == 200
    text = page.text.replace("&#39;", "'")
    assert all(w in text for w in words), [w for w in words if w not in text]
    assert 'data-component="risk" data-health="maintenance"' in text


def test_the_status_answers_when_the_database_does_not(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from clearway.config import get_settings
    from clearway.db import get_engine, get_sessionmaker
    from clearway.main import create_app

    monkeypatch.setenv("CLEARWAY_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    try:
        with TestClient(create_app(), raise_server_exceptions=False) as c:
            r = c.get("/api/v1/status")
            page = c.get("/status", headers={"Accept-Language": "fr"})
    finally:
        for cached in (get_settings, get_engine, get_sessionmaker):
            cached.cache_clear()
    assert r.status_code == 200 and r.json()["status"] == "down"
    assert {c["key"]: c["status"] for c in r.json()["components"]} == {
        "api": "operational", "database": "down", "worker": "unknown", "risk": "unknown", "outbound": "unknown"}
    assert page.status_code == 200 and "Un service est hors service" in page.text


def test_spanish_and_french_have_every_key_with_its_placeholders_and_no_english_left():
    assert_translated("ops", SAME)


def test_a_failing_probe_opens_an_incident_that_subscribers_hear_of_and_recovery_resolves_it(client, monkeypatch):
    from clearway.notifications.jobs import relay
    from clearway.ops.jobs import status_watch
    from clearway.risk.engine import live

    client.put("/api/v1/status/subscription", headers=auth(client, "trader-a"))
    trader = auth(client, "trader-a")

    def unusable(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("snapshot")

    monkeypatch.setattr(live, "snapshot_load", unusable)
    live.engine.snapshot = None
    client.post("/api/v1/declarations", json=document(), headers=trader)
    assert status_watch(job_context()) == 1
    assert status_watch(job_context()) == 0  # one incident per outage, not one per check
    (incident,) = client.get("/api/v1/status").json()["notices"]
    assert (incident["kind"], incident["state"], incident["services"]) == ("incident", "investigating", ["risk"])
    assert incident["title"]["es"] == "Evaluación de riesgos: interrupción detectada"
    assert "degradado" in incident["updates"][0]["message"]["es"]

    monkeypatch.undo()
    live.engine.snapshot = None
    client.post("/api/v1/declarations", json=document(), headers=trader)
    assert status_watch(job_context()) == 1
    assert client.get("/api/v1/status").json()["notices"] == []
    relay(job_context())
    told = [(n["data"]["notice_id"], n["data"]["state"]) for n in _feed(client, "trader-a")]
    assert told == [(incident["id"], "investigating"), (incident["id"], "resolved")]
    history = client.get(f"/api/v1/status/notices/{incident['id']}").json()
    assert history["state"] == "resolved"
    assert history["updates"][0]["message"]["fr"].endswith("de nouveau opérationnel.")
