"""Goods under control are not cancelled: the access policy and the state machine say the same (issue 12)."""

from __future__ import annotations

from clearway.declarations import lifecycle
from tests.factories import auth, document
from tests.web.conftest import sign_in


def _under_control(client):
    doc = document()
    doc["items"][0].update(hs_code="240220", description="Cigarettes")  # yellow: documentary check, under control
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201 and r.json()["status"] == "under_control", r.text
    return r.json()["mrn"]


def test_every_status_a_role_may_cancel_has_an_edge_to_cancelled():
    for allowed in (lifecycle.OFFICER_CANCELLABLE, lifecycle.TRADER_CANCELLABLE):
        assert all("cancelled" in lifecycle.TRANSITIONS[s] for s in allowed), allowed
    assert "under_control" not in lifecycle.OFFICER_CANCELLABLE


def test_an_officer_cannot_cancel_goods_under_control_and_is_told_why(client):
    mrn = _under_control(client)
    r = client.post(f"/api/v1/declarations/{mrn}/cancel", json={"reason": "declarant asked"},
                    headers={**auth(client, "officer"), "Accept-Language": "fr"})
    assert r.status_code == 409, r.text
    error = r.json()["errors"][0]
    assert error["code"] == "declaration.cancel_under_control"
    assert "sous contrôle douanier ne peut pas être annulée" in error["message"]
    r = client.post(f"/api/v1/declarations/{mrn}/cancel", json={"reason": "changed my mind"},
                    headers=auth(client, "trader-a"))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "declaration.cancel_under_control"
    assert client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "officer")).json()["status"] \
        == "under_control"


def test_the_officer_page_offers_amend_and_says_why_there_is_no_cancel(client):
    mrn = _under_control(client)
    sign_in(client, "officer")
    client.cookies.set("lang", "es")
    page = client.get(f"/declarations/{mrn}").text
    assert f'action="/declarations/{mrn}/cancel"' not in page and f"/declarations/{mrn}/amend" in page
    assert "bajo control aduanero no puede anularse" in page
