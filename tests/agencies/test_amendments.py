"""Amendments: agencies whose data is unchanged keep their decision; only the concerned agencies are asked again;
a cancellation or an amendment down gives the reservation back."""

from __future__ import annotations

from decimal import Decimal

from tests.agencies.helpers import FISH, PHONE, balance, doc_with, load_shipped, permit_approved
from tests.factories import auth


def _lodge(client, doc):
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    return r.json()


def _amend(client, mrn, version, doc, user="trader-a"):
    r = client.put(f"/api/v1/declarations/{mrn}", json={**doc, "reason": "corrected"},
                   headers={**auth(client, user), "If-Match": f'"v{version}"'})
    assert r.status_code == 200, r.text
    return r.json()


def _referrals(client, mrn):
    rows = client.get(f"/api/v1/agencies/referrals?state=all&mrn={mrn}", headers=auth(client, "officer")).json()
    return {(r["agency"], r["item"]): r for r in rows["items"]}


def test_an_amendment_of_the_phone_asks_only_the_conformity_agency_again(client):
    load_shipped()
    doc = doc_with(FISH, PHONE)
    lodged = _lodge(client, doc)
    mrn = lodged["mrn"]
    fish = _referrals(client, mrn)[("MFDS", 1)]
    client.post(f"/api/v1/agencies/referrals/{fish['id']}/decision", json={"decision": "release"},
                headers=auth(client, "agency"))
    changed = {**doc, "items": [doc["items"][0], {**doc["items"][1], "description": "Smartphones, 256 GB"}]}
    _amend(client, mrn, lodged["version"], changed)
    after = _referrals(client, mrn)
    assert after[("MFDS", 1)]["id"] == fish["id"] and after[("MFDS", 1)]["decision"] == "release"
    assert after[("RRA", 2)]["decision"] is None  # asked again, with the new description
    assert after[("RRA", 2)]["data"]["item"]["description"] == "Smartphones, 256 GB"


def test_an_amendment_the_agency_cannot_see_keeps_its_decision(client):
    load_shipped()
    doc = doc_with(FISH)
    lodged = _lodge(client, doc)
    (fish,) = _referrals(client, lodged["mrn"]).values()
    client.post(f"/api/v1/agencies/referrals/{fish['id']}/decision", json={"decision": "conditions",
                "conditions": "keep frozen below -18 C"}, headers=auth(client, "agency"))
    # MFDS's profile does not show it the transport: a new flight number is none of its business (the goods
    # went on its decision, so the post-release amendment is an officer's).
    moved = {**doc, "transport": {**doc["transport"], "means_id": "OZ0361"}}
    _amend(client, lodged["mrn"], lodged["version"], moved, user="officer")
    (kept,) = _referrals(client, lodged["mrn"]).values()
    assert kept["id"] == fish["id"] and kept["decision"] == "conditions"


def test_amending_down_and_cancelling_give_the_reservation_back(client):
    load_shipped()
    number = permit_approved(lpco="MFDS-FOOD", hs=("0303",), quantity=None, value="5000")
    doc = doc_with({**FISH, "value": "2700.00", "permits": [number]})
    lodged = _lodge(client, doc)
    assert balance(number)[1] == Decimal(2700)
    _amend(client, lodged["mrn"], lodged["version"], {**doc, "items": [{**doc["items"][0], "value": "1200.00"}],
                                                     "invoice_total": "1200.00"})
    assert balance(number)[1] == Decimal(1200)
    r = client.post(f"/api/v1/declarations/{lodged['mrn']}/cancel", json={"reason": "order withdrawn"},
                    headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text
    assert balance(number)[1] == Decimal(0)
    assert client.get(f"/api/v1/agencies/referrals?mrn={lodged['mrn']}",
                      headers=auth(client, "agency")).json()["items"] == []
