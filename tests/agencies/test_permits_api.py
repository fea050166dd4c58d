"""LPCO applied for once through the single window: the agency approves, refuses or asks; scoping of permits."""

from __future__ import annotations

from tests.agencies.helpers import load_shipped
from tests.factories import auth

APPLICATION = {"agency": "MFDS", "lpco": "MFDS-DRUG", "hs_prefixes": ["3004"], "quantity": "500", "unit": "KGM",
               "purpose": "Import of paracetamol for hospital supply"}


def _apply(client, user="trader-a", **changes):
    r = client.post("/api/v1/agencies/permits", json={**APPLICATION, **changes}, headers=auth(client, user))
    assert r.status_code == 201, r.text
    return r.json()


def test_an_application_lands_in_the_agency_inbox_and_its_approval_is_a_balance(client):
    load_shipped()
    applied = _apply(client)
    assert applied["status"] == "applied"
    inbox = client.get("/api/v1/agencies/permits?status=applied", headers=auth(client, "agency")).json()["items"]
    assert [p["number"] for p in inbox] == [applied["number"]]
    r = client.post(f"/api/v1/agencies/permits/{applied['number']}/decision",
                    json={"outcome": "approved", "quantity": "400", "conditions": "hospital use only"},
                    headers=auth(client, "agency"))
    assert r.status_code == 200, r.text
    permit = r.json()
    assert (permit["status"], permit["quantity"], permit["quantity_left"]) == ("approved", "400", "400")
    assert permit["valid_to"] is not None and permit["conditions"] == "hospital use only"
    feed = client.get("/api/v1/notifications", headers=auth(client, "trader-a"))
    assert feed.status_code == 200


def test_the_agency_asks_for_information_and_the_trader_answers(client):
    load_shipped()
    number = _apply(client)["number"]
    r = client.post(f"/api/v1/agencies/permits/{number}/decision", json={"outcome": "info_requested"},
                    headers=auth(client, "agency"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "permit.reason_required"
    client.post(f"/api/v1/agencies/permits/{number}/decision",
                json={"outcome": "info_requested", "reason": "Send the hospital's order"},
                headers=auth(client, "agency"))
    mine = client.get(f"/api/v1/agencies/permits/{number}", headers=auth(client, "trader-a")).json()
    assert (mine["status"], mine["reason"]) == ("info_requested", "Send the hospital's order")
    r = client.post(f"/api/v1/agencies/permits/{number}/answer", json={"purpose": "Order no. 4471 attached"},
                    headers=auth(client, "trader-a"))
    assert r.json()["status"] == "applied"


def test_a_refusal_needs_a_reason_and_is_final(client):
    load_shipped()
    number = _apply(client)["number"]
    client.post(f"/api/v1/agencies/permits/{number}/decision", json={"outcome": "refused", "reason": "No licence"},
                headers=auth(client, "agency"))
    r = client.post(f"/api/v1/agencies/permits/{number}/decision", json={"outcome": "approved"},
                    headers=auth(client, "agency"))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "permit.already_decided"


def test_a_trader_cannot_read_another_traders_permits(client):
    load_shipped()
    number = _apply(client, user="trader-b")["number"]
    assert client.get(f"/api/v1/agencies/permits/{number}", headers=auth(client, "trader-a")).status_code == 404
    assert client.get("/api/v1/agencies/permits", headers=auth(client, "trader-a")).json()["items"] == []
    r = client.post(f"/api/v1/agencies/permits/{number}/answer", json={"purpose": "hijack"},
                    headers=auth(client, "trader-a"))
    assert r.status_code == 404


def test_an_agency_cannot_decide_another_agencys_application(client):
    load_shipped()
    number = _apply(client, agency="APQA", lpco="APQA-PHYTO", hs_prefixes=["0805"])["number"]
    r = client.post(f"/api/v1/agencies/permits/{number}/decision", json={"outcome": "approved"},
                    headers=auth(client, "agency"))  # the demo agency user is MFDS's
    assert r.status_code == 404


def test_an_unknown_lpco_is_a_coded_error(client):
    load_shipped()
    r = client.post("/api/v1/agencies/permits", json={**APPLICATION, "lpco": "MFDS-NOPE"},
                    headers=auth(client, "trader-a"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "permit.lpco_unknown"
