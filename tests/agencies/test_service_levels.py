"""Service levels: overdue referrals are flagged; an agency whose own system does not answer falls back to its rule."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.agencies.helpers import FISH, PHONE, doc_with, load_shipped
from tests.factories import auth, wiring

RIFLE = {"hs_code": "930320", "description": "Sporting shotguns", "origin_country": "IT", "net_mass_kg": "30",
         "quantity": {"value": "10", "unit": "NAR"}, "value": "9000.00"}


def _pass(hours: float) -> int:
    from clearway.agencies.jobs import overdue_pass
    from clearway.db import get_sessionmaker, utcnow

    with get_sessionmaker()() as db, db.begin():
        return overdue_pass(db=db, release=wiring().release, now=utcnow() + timedelta(hours=hours))


def _lodge(client, doc):
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    return r.json()["mrn"]


def test_an_unanswering_conformity_system_releases_with_a_risk_flag_and_a_post_release_task(client):
    load_shipped()
    mrn = _lodge(client, doc_with(PHONE))  # RRA: reached by its own system, fallback release_flagged
    assert _pass(0.5) == 0  # within its 60-minute target nothing happens
    assert _pass(2) == 1
    (r,) = client.get("/api/v1/agencies/referrals?state=all", headers=auth(client, "officer")).json()["items"]
    assert (r["fallback"], r["decision"], r["post_release_task"], r["overdue"]) == (
        "release_flagged", "release", True, True)
    assert client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-a")).json()["status"] == "released"
    events = client.get(f"/api/v1/declarations/{mrn}/events", headers=auth(client, "trader-a")).json()["items"]
    assert "agency_fallback" in [e["kind"] for e in events]


def test_an_unanswering_licensing_system_keeps_the_goods_held_and_says_so(client):
    load_shipped()
    mrn = _lodge(client, doc_with(RIFLE))  # KNPA: own system, fallback hold
    _pass(9)
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "trader-a")).json()["holds"]
    assert ("agency.no_answer", "agency:KNPA") in {(h["code"], h["party"]) for h in holds}
    (r,) = client.get("/api/v1/agencies/referrals?state=all&agency=KNPA",
                      headers=auth(client, "officer")).json()["items"]
    assert r["fallback"] == "hold" and r["decision"] is None


def test_a_late_referral_in_clearway_is_flagged_in_the_agency_and_supervisor_views_but_not_decided(client):
    from clearway.agencies.models import Referral
    from clearway.db import get_sessionmaker

    load_shipped()
    mrn = _lodge(client, doc_with(FISH))  # MFDS works in Clearway: 240-minute target
    _pass(5)
    for user in ("agency", "officer"):
        (r,) = client.get("/api/v1/agencies/referrals?state=overdue", headers=auth(client, user)).json()["items"]
        assert r["mrn"] == mrn and r["overdue"] is True and r["decision"] is None
    with get_sessionmaker()() as db:
        assert db.scalar(select(Referral.fallback)) is None
