"""Joint inspection booked once for customs and the agencies; agencies' systems hear of referrals by signed
webhook; traders hear of low permit balances."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from tests.agencies.helpers import FISH, PHONE, doc_with, load_shipped, permit_approved
from tests.factories import auth


def _lodge(client, doc):
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    return r.json()["mrn"]


def test_a_joint_inspection_is_one_appointment_with_each_partys_findings(client):
    load_shipped()
    mrn = _lodge(client, doc_with(FISH))
    (ref,) = client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"]
    booking = {"at": "2030-01-01T10:00:00Z", "place": "Cold store 3"}
    early = client.post(f"/api/v1/agencies/declarations/{mrn}/joint-inspection", json=booking,
                        headers=auth(client, "officer"))
    assert early.status_code == 409 and early.json()["errors"][0]["code"] == "joint_inspection.not_requested"
    client.post(f"/api/v1/agencies/referrals/{ref['id']}/decision", json={"decision": "joint_inspection"},
                headers=auth(client, "agency"))
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "trader-a")).json()["holds"]
    assert [(h["code"], h["party"]) for h in holds] == [("agency.joint_inspection_unbooked", "customs")]
    r = client.post(f"/api/v1/agencies/declarations/{mrn}/joint-inspection", json=booking,
                    headers=auth(client, "officer"))
    assert r.status_code == 200, r.text
    moved = client.post(f"/api/v1/agencies/declarations/{mrn}/joint-inspection",
                        json={**booking, "place": "Cold store 4"}, headers=auth(client, "agency"))
    assert moved.json()["place"] == "Cold store 4"  # the same one appointment, moved
    for user, result in (("officer", "compliant"), ("agency", "sample_taken")):
        r = client.put(f"/api/v1/agencies/declarations/{mrn}/joint-inspection/findings", json={"result": result},
                       headers=auth(client, user))
        assert r.status_code == 200, r.text
    assert {k: v["result"] for k, v in r.json()["findings"].items()} == {"customs": "compliant",
                                                                         "MFDS": "sample_taken"}
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "trader-a")).json()["holds"]
    assert [(h["code"], h["party"]) for h in holds] == [("agency.joint_inspection", "agency:MFDS")]
    client.post(f"/api/v1/agencies/referrals/{ref['id']}/decision", json={"decision": "release"},
                headers=auth(client, "agency"))
    assert client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-a")).json()["status"] == "released"


def test_an_agency_reached_by_its_system_gets_each_referral_with_only_what_it_may_see(client):
    from clearway.agencies.models import Referral
    from clearway.db import get_sessionmaker
    from clearway.notifications.models import OutboxMessage, Subscriber

    load_shipped()
    mrn = _lodge(client, doc_with(PHONE))
    with get_sessionmaker()() as db:
        (message,) = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "agency.referral")).all()
        endpoint = db.scalar(select(Subscriber).where(Subscriber.organisation == "KRRRA"))
    assert message.organisation == "KRRRA" and message.payload["mrn"] == mrn
    assert set(message.payload["declaration"]) == {"type", "office", "item", "importer"}  # RRA's profile
    with get_sessionmaker()() as db:
        (referral,) = db.scalars(select(Referral).where(Referral.mrn == mrn, Referral.agency == "RRA")).all()
    # The agency's system is told which referral to decide and where, and by when (on PostgreSQL the notice is
    # written in the same statement as the referral, its id filled in by the database).
    assert message.payload["referral"] == referral.id and message.payload["item"] == referral.item + 1
    assert message.payload["decide"] == f"/api/v1/agencies/referrals/{referral.id}/decision"
    assert message.payload["due_at"] == referral.due_at.isoformat()
    assert endpoint is not None and endpoint.active and endpoint.url.startswith("https://rra.")


def test_the_trader_is_told_once_when_a_permit_runs_low(client):
    from clearway.agencies.permits import permits_running_low
    from clearway.db import get_sessionmaker, utcnow
    from clearway.notifications.models import OutboxMessage

    load_shipped()
    number = permit_approved(lpco="MFDS-FOOD", hs=("0303",), quantity=None, value="3000")
    _lodge(client, doc_with({**FISH, "permits": [number]}))  # 2700 of 3000: a tenth left
    with get_sessionmaker()() as db, db.begin():
        assert permits_running_low(db=db, share=Decimal("0.1"), now=utcnow()) == 1
        assert permits_running_low(db=db, share=Decimal("0.1"), now=utcnow()) == 0
    with get_sessionmaker()() as db:
        low = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "permit.running_low")).all()
    assert [(m.organisation, m.payload["permit"], m.payload["value_left"]) for m in low] == [
        ("KR1000000001", number, "300.000000")]
