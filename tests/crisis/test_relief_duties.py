"""Relief goods go before their duties are final only when the duty is settled as the profile allows: waived by
a relief profile whose terms waive duties, or paid or secured; otherwise they wait with a coded hold."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from clearway.crisis.service import emergency_activate
from clearway.db import get_sessionmaker, utcnow
from tests.crisis.test_relief import RELIEF
from tests.factories import auth
from tests.web.conftest import sign_in

CLOTHES: dict[str, Any] = {**RELIEF, "lrn": "RELIEF-CLOTHES", "items": [
    {"hs_code": "610910", "description": "Cotton T-shirts for displaced families", "origin_country": "CH",
     "gross_mass_kg": "250", "packages": 20, "value": "1000.00"}]}


def _relief(duties: str | None, prefixes: list[str]) -> int:
    with get_sessionmaker()() as db, db.begin():
        return emergency_activate(db=db, kind="relief", scope={"offices": ["KR0101"], "hs_prefixes": prefixes},
                                  params={"duties": duties} if duties else {}, reason="flood", actor="admin",
                                  expires_at=utcnow() + timedelta(hours=6), now=utcnow()).id


def _lodge(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/v1/crisis/relief", json=body, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _holds(client: Any, mrn: str, lang: str = "en") -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/declarations/{mrn}/holds", headers={**auth(client, "trader-a"),
                                                                   "Accept-Language": lang})
    assert r.status_code == 200, r.text
    return list(r.json()["holds"])


def _released_event(client: Any, mrn: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/declarations/{mrn}/events", headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text
    events = r.json()["items"] if isinstance(r.json(), dict) else r.json()
    return next(e for e in events if e.get("to_status", e.get("status")) == "released")


def test_relief_goods_with_no_assessment_wait_with_a_coded_hold(client):
    profile = _relief(None, ["30"])
    body = _lodge(client, RELIEF)
    assert (body["status"], body["channel"], body["post_clearance_audit"]) == ("channelled", "blue", True)
    (hold,) = _holds(client, body["mrn"], "fr")
    assert (hold["code"], hold["party"], hold["params"]["profile"]) == ("crisis.relief_duty_unsettled", "trader",
                                                                       str(profile))
    assert "ni payés ni garantis" in hold["reason"]


def test_a_profile_that_waives_duties_lets_unassessed_relief_goods_go(client):
    _relief("waived", ["30"])
    body = _lodge(client, RELIEF)
    assert body["status"] == "released"
    assert _holds(client, body["mrn"]) == []


def test_assessed_relief_duty_neither_paid_nor_secured_holds_the_goods(client, tariff):
    _relief("secured", ["61"])
    body = _lodge(client, CLOTHES)
    assert body["status"] == "channelled"
    assert [h["code"] for h in _holds(client, body["mrn"])] == ["duty.unpaid"]


def test_assessed_relief_duty_waived_by_the_profile_does_not_hold_the_goods(client, tariff):
    profile = _relief("waived", ["61"])
    body = _lodge(client, CLOTHES)
    assert body["status"] == "released"
    params = _released_event(client, body["mrn"])["reason_params"]  # the release says which measure let it go
    assert (params["waived"], params["waived_by"]) == ("duty.unpaid",
                                                       f"crisis.relief_duty_waived:profile={profile}")
    r = client.get(f"/api/v1/declarations/{body['mrn']}/events", headers=auth(client, "trader-a"))
    (waived,) = [e for e in r.json()["items"] if e["kind"] == "waived"]
    assert (waived["reason_code"], waived["reason_params"]) == ("crisis.relief_duty_waived",
                                                                {"profile": str(profile), "holds": "duty.unpaid"})
    sign_in(client, "trader-a")
    page = html.unescape(client.get(f"/declarations/{body['mrn']}", headers={"Accept-Language": "fr"}).text)
    assert f"Droits exonérés par le profil de secours {profile} : mainlevée sans paiement ni garantie" in page


def test_relief_duty_secured_on_a_deferment_account_lets_the_goods_go(client, tariff):
    r = client.post("/api/v1/tariff/deferment-accounts", headers=auth(client, "officer"), json={
        "holder_id": "KR1000000001", "currency": "KRW", "credit_limit": "900000000"})
    assert r.status_code == 201, r.text
    _relief(None, ["61"])
    assert _lodge(client, CLOTHES)["status"] == "released"


def test_duty_terms_are_for_relief_profiles_only(client):
    r = client.post("/api/v1/crisis/emergencies", headers=auth(client, "admin"), json={
        "kind": "surge", "duties": "waived", "scope": {"offices": ["KR0101"]}, "reason": "peak",
        "ends_at": (utcnow() + timedelta(hours=2)).isoformat()})
    assert r.status_code in (409, 422) and r.json()["errors"][0]["code"] == "crisis.emergency_duties"


def test_an_administrator_declares_a_relief_profile_that_waives_duties_from_the_page(client, db):
    from clearway.crisis.models import EmergencyProfile
    from tests.web.conftest import csrf_of

    sign_in(client, "admin")
    page = client.get("/crisis", headers={"Accept-Language": "es"})
    assert "Derechos de los envíos de socorro" in page.text
    ends = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post("/crisis/emergencies", follow_redirects=False, data={
        "csrf": csrf_of(page.text), "kind": "relief", "offices": "KR0101", "chapters": "30", "reason": "Flood",
        "ends_at": ends, "duties": "waived"})
    assert r.status_code == 303
    profile = db.scalar(select(EmergencyProfile))
    assert profile is not None and profile.params == {"duties": "waived"}


@pytest.mark.parametrize("duties", ["secured", "waived"])
def test_where_every_import_must_be_assessed_only_a_waiver_lets_unassessed_relief_go(client, monkeypatch, duties):
    from clearway.config import get_settings

    monkeypatch.setenv("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "true")
    get_settings.cache_clear()
    try:
        _relief(duties, ["30"])
        body = _lodge(client, RELIEF)
        holds = [h["code"] for h in _holds(client, body["mrn"])]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    if duties == "waived":
        assert (body["status"], holds) == ("released", [])
    else:  # the tariff's own hold says it, once
        assert (body["status"], holds) == ("channelled", ["duty.not_assessed"])

