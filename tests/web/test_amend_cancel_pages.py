"""Amend and cancel from the declaration page, as the API allows them (issue 12, "Screens")."""

from __future__ import annotations

from tests.factories import auth, document
from tests.web.conftest import csrf_of, sign_in


def _lodge_yellow(client):
    doc = document()
    doc["items"][0].update(hs_code="240220", description="Cigarettes")  # yellow: under control, officer-amendable
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    return r.json()


def _channelled(client, db):
    """A declaration channelled and not yet released (as when something holds green goods): still cancellable."""
    from sqlalchemy import text

    r = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    with db.begin():
        db.execute(text("UPDATE declarations SET status = 'channelled' WHERE mrn = :m"), {"m": r.json()["mrn"]})
    return r.json()


def test_a_trader_cancels_from_the_page_with_a_reason(client, db):
    body = _channelled(client, db)
    sign_in(client, "trader-a")
    page = client.get(f"/declarations/{body['mrn']}").text
    assert f'action="/declarations/{body["mrn"]}/cancel"' in page
    r = client.post(f"/declarations/{body['mrn']}/cancel", data={"reason": "x", "csrf": csrf_of(page)},
                    headers={"Accept-Language": "fr"})
    assert r.status_code == 422 and "Indiquez un motif de 3 à 500 caractères" in r.text
    r = client.post(f"/declarations/{body['mrn']}/cancel", data={"reason": "sent twice", "csrf": csrf_of(page)},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/v1/declarations/{body['mrn']}", headers=auth(client, "trader-a")).json()["status"] \
        == "cancelled"
    assert "/cancel" not in client.get(f"/declarations/{body['mrn']}").text  # nothing left to cancel


def test_an_officer_may_amend_goods_under_control_but_not_cancel_them(client):
    body = _lodge_yellow(client)
    sign_in(client, "officer")
    page = client.get(f"/declarations/{body['mrn']}").text
    assert f'/declarations/{body["mrn"]}/amend' in page and f'action="/declarations/{body["mrn"]}/cancel"' not in page


def test_the_trader_sees_no_change_for_goods_under_control(client):
    body = _lodge_yellow(client)
    sign_in(client, "trader-a")
    page = client.get(f"/declarations/{body['mrn']}").text
    assert "/cancel" not in page and "/amend" not in page
    assert client.get(f"/declarations/{body['mrn']}/amend").status_code == 409


def test_an_officer_amends_through_the_filled_form(client):
    body = _lodge_yellow(client)
    sign_in(client, "officer")
    form = client.get(f"/declarations/{body['mrn']}/amend")
    assert form.status_code == 200 and 'value="Cigarettes"' in form.text and 'name="version" value="1"' in form.text
    data = {"csrf": csrf_of(form.text), "version": "1", "item_count": "1", "action": "lodge",
            "reason": "Corrected net mass"}
    for key, value in _fields(form.text).items():
        data.setdefault(key, value)
    data["/items/0/net_mass_kg"] = "40"
    r = client.post(f"/declarations/{body['mrn']}/amend", data={"reason": "x", **{k: v for k, v in data.items()
                                                                                    if k != "reason"}})
    assert r.status_code == 200 and "Give a reason of 3 to 500 characters" in r.text
    r = client.post(f"/declarations/{body['mrn']}/amend", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    read = client.get(f"/api/v1/declarations/{body['mrn']}", headers=auth(client, "officer")).json()
    assert read["version"] == 2 and read["document"]["items"][0]["net_mass_kg"] == "40"
    stale = client.post(f"/declarations/{body['mrn']}/amend", data=data)  # version 1 again: someone amended first
    assert stale.status_code == 412


def _fields(html):
    """The form's inputs and selected options (name -> value), as a browser would send them."""
    import re
    out = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        out.setdefault(name, value)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        if chosen:
            out[name] = chosen.group(1)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        out.setdefault(name, value)
    return out
