"""Lodging through the single window: permits drawn on, referrals made, and the holds that follow."""

from __future__ import annotations

from decimal import Decimal

from tests.agencies.helpers import FISH, MEDICINE, PHONE, balance, doc_with, load_shipped, permit_approved
from tests.factories import auth


def _lodge(client, doc, user="trader-a"):
    return client.post("/api/v1/declarations", json=doc, headers=auth(client, user))


def test_a_cited_permit_is_drawn_on_at_lodgement_and_an_overuse_points_at_item_and_permit(client):
    load_shipped()
    number = permit_approved(quantity="150")
    first = _lodge(client, doc_with({**MEDICINE, "permits": [number]}))
    assert first.status_code == 201, first.text
    assert balance(number) == (Decimal(100), Decimal(0))
    again = _lodge(client, doc_with(FISH, {**MEDICINE, "permits": [number]}))
    assert again.status_code == 422
    problem = again.json()["errors"][0]
    assert problem["code"] == "permit.exhausted"
    assert problem["pointer"] == "/items/1/permits"
    assert number in problem["message"]
    assert balance(number) == (Decimal(100), Decimal(0))  # the refused lodgement left nothing behind


def test_goods_wait_for_every_concerned_agency_and_the_holds_say_who_must_act(client):
    load_shipped()
    r = _lodge(client, doc_with(FISH, PHONE))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "channelled"
    mrn = r.json()["mrn"]
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "trader-a")).json()["holds"]
    assert sorted((h["code"], h["party"], h["params"]["item"]) for h in holds) == [
        ("agency.pending", "agency:MFDS", "1"), ("agency.pending", "agency:RRA", "2")]
    assert all("Waiting for the decision of" in h["reason"] for h in holds)


def test_licensed_medicine_is_held_by_customs_and_by_the_agency_at_once(client):
    load_shipped()
    number = permit_approved()
    r = _lodge(client, doc_with({**MEDICINE, "permits": [number]}))
    holds = client.get(f"/api/v1/declarations/{r.json()['mrn']}/holds", headers=auth(client, "trader-a")).json()
    assert {(h["code"], h["party"]) for h in holds["holds"]} == {("control.open", "customs"),
                                                                 ("agency.pending", "agency:MFDS")}


def test_a_medicine_without_its_permit_is_held_for_the_trader(client):
    load_shipped()
    r = _lodge(client, doc_with(MEDICINE))
    mrn = r.json()["mrn"]
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "trader-a")).json()["holds"]
    assert ("permit.missing", "trader") in {(h["code"], h["party"]) for h in holds}


def test_another_traders_permit_is_unknown_to_the_lodger(client):
    load_shipped()
    number = permit_approved(holder="trader-b")
    r = _lodge(client, doc_with({**MEDICINE, "permits": [number]}))
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "permit.unknown"
    assert balance(number) == (Decimal(0), Decimal(0))


def test_goods_no_agency_regulates_go_at_once(client):
    load_shipped()
    r = _lodge(client, doc_with({**FISH, "hs_code": "940360", "description": "Wooden furniture"}))
    assert r.json()["status"] == "released", r.text
