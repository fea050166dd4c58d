"""Agencies decide referred items through the API; release is the conjunction of every decision."""

from __future__ import annotations

from tests.agencies.helpers import FISH, PHONE, doc_with, load_shipped
from tests.factories import auth


def _lodge(client, doc, user="trader-a"):
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, user))
    assert r.status_code == 201, r.text
    return r.json()["mrn"]


def _status(client, mrn):
    return client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-a")).json()["status"]


def test_the_agency_releases_its_item_and_the_goods_go_when_nothing_else_holds_them(client):
    load_shipped()
    mrn = _lodge(client, doc_with(FISH))
    inbox = client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"]
    assert [(r["mrn"], r["item"], r["agency"]) for r in inbox] == [(mrn, 1, "MFDS")]
    assert set(inbox[0]["data"]["item"]) <= {"hs_code", "description", "origin_country", "net_mass_kg", "quantity",
                                             "value", "packages"}
    assert "transport" not in inbox[0]["data"]  # MFDS's profile does not let it see the route
    assert _status(client, mrn) == "channelled"
    r = client.post(f"/api/v1/agencies/referrals/{inbox[0]['id']}/decision", json={"decision": "release"},
                    headers=auth(client, "agency"))
    assert r.status_code == 200, r.text
    assert _status(client, mrn) == "released"


def test_one_agency_deciding_does_not_release_what_another_still_holds(client):
    load_shipped()
    mrn = _lodge(client, doc_with(FISH, PHONE))
    (mine,) = client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"]
    client.post(f"/api/v1/agencies/referrals/{mine['id']}/decision", json={"decision": "release"},
                headers=auth(client, "agency"))
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "trader-a")).json()["holds"]
    assert [(h["code"], h["party"]) for h in holds] == [("agency.pending", "agency:RRA")]
    assert _status(client, mrn) == "channelled"


def test_a_refusal_holds_the_goods_for_the_trader_with_its_reason(client):
    load_shipped()
    mrn = _lodge(client, doc_with(FISH))
    (mine,) = client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"]
    r = client.post(f"/api/v1/agencies/referrals/{mine['id']}/decision", json={"decision": "refuse"},
                    headers=auth(client, "agency"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "referral.reason_required"
    client.post(f"/api/v1/agencies/referrals/{mine['id']}/decision",
                json={"decision": "refuse", "reason": "histamine above limit"}, headers=auth(client, "agency"))
    (hold,) = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "trader-a")).json()["holds"]
    assert (hold["code"], hold["party"]) == ("agency.refused", "trader")
    assert "histamine above limit" in hold["reason"]


def test_an_agency_cannot_read_or_decide_what_was_not_referred_to_it(client):
    load_shipped()
    _lodge(client, doc_with(PHONE))  # referred to RRA only
    (rra,) = client.get("/api/v1/agencies/referrals", headers=auth(client, "officer")).json()["items"]
    assert client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"] == []
    assert client.get(f"/api/v1/agencies/referrals/{rra['id']}", headers=auth(client, "agency")).status_code == 404
    r = client.post(f"/api/v1/agencies/referrals/{rra['id']}/decision", json={"decision": "release"},
                    headers=auth(client, "agency"))
    assert r.status_code == 404
    assert client.get(f"/api/v1/declarations/{rra['mrn']}", headers=auth(client, "agency")).status_code == 404


def test_every_read_of_a_referral_is_audited(client):
    from sqlalchemy import func, select

    from clearway.audit.models import AuditRecord
    from clearway.db import get_sessionmaker

    load_shipped()
    _lodge(client, doc_with(FISH))
    (mine,) = client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"]
    client.get(f"/api/v1/agencies/referrals/{mine['id']}", headers=auth(client, "agency"))
    with get_sessionmaker()() as db:
        reads = db.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action.in_(("referral.read", "referral.list")), AuditRecord.actor == "agency"))
    assert reads == 2
