"""Single-window pages: the agency decides from its inbox, the trader's page shows the hold lifted, permits page."""

from __future__ import annotations

from tests.agencies.helpers import FISH, doc_with, load_shipped
from tests.factories import auth
from tests.web.conftest import csrf_of, sign_in


def test_the_agency_decides_from_its_inbox_and_the_traders_page_no_longer_shows_the_hold(client):
    load_shipped()
    mrn = client.post("/api/v1/declarations", json=doc_with(FISH), headers=auth(client, "trader-a")).json()["mrn"]
    sign_in(client, "trader-a")
    page = client.get(f"/declarations/{mrn}")
    assert "Waiting for the decision of MFDS on item 1" in page.text  # the timeline says why in plain words
    assert 'data-kind="released"' not in page.text
    client.cookies.clear()
    sign_in(client, "agency")
    inbox = client.get("/agencies/inbox")
    assert inbox.status_code == 200 and mrn in inbox.text
    (rid,) = [r["id"] for r in client.get("/api/v1/agencies/referrals",
                                          headers=auth(client, "agency")).json()["items"]]
    referral = client.get(f"/agencies/referrals/{rid}")
    assert "Frozen mackerel" in referral.text
    r = client.post(f"/agencies/referrals/{rid}", data={"csrf": csrf_of(referral.text), "decision": "release"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert mrn not in client.get("/agencies/inbox").text  # decided: out of the open inbox
    client.cookies.clear()
    sign_in(client, "trader-a")
    page = client.get(f"/declarations/{mrn}")
    assert 'data-kind="released"' in page.text  # the hold was lifted: the goods went on the agency's decision


def test_the_trader_applies_from_its_permits_page_in_spanish(client):
    load_shipped()
    sign_in(client, "trader-a")
    page = client.get("/agencies/permits", headers={"Accept-Language": "es"})
    assert "Mis permisos y solicitudes" in page.text
    r = client.post("/agencies/permits", data={"csrf": csrf_of(page.text), "lpco": "MFDS/MFDS-DRUG", "hs": "3004",
                                               "quantity": "200", "unit": "KGM", "purpose": "Hospital supply"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/agencies/permits", headers={"Accept-Language": "es"})
    assert "solicitado" in page.text
    r = client.post("/agencies/permits", data={"csrf": csrf_of(page.text), "lpco": "MFDS/MFDS-DRUG", "hs": "3004",
                                               "purpose": "no quantity"}, headers={"Accept-Language": "es"})
    assert r.status_code == 422 and "se cuenta en cantidad" in r.text


def test_agency_times_are_on_the_managers_page_and_the_public_portal(client):
    load_shipped()
    client.post("/api/v1/declarations", json=doc_with(FISH), headers=auth(client, "trader-a"))
    assert "MFDS" in client.get("/public/agencies").text
    sign_in(client, "officer")
    assert "MFDS" in client.get("/agencies/performance").text
    client.cookies.clear()
    sign_in(client, "trader-a")
    assert client.get("/agencies/performance").status_code in (403, 404)
    assert client.get("/agencies/inbox").status_code in (403, 404)
