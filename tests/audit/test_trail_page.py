"""The auditor reads the audit trail in the UI, searches it and verifies its chain (issue 12, "Screens")."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories import auth, document
from tests.web.conftest import sign_in


def _lodge(client):
    r = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    return r.json()["mrn"]


def test_the_auditor_finds_what_happened_to_a_declaration(client):
    mrn, other = _lodge(client), _lodge(client)
    sign_in(client, "auditor")
    assert 'href="/audit"' in client.get("/declarations").text
    page = client.get("/audit", params={"target": mrn}, headers={"Accept-Language": "en"}).text
    assert 'data-action="declaration.lodged"' in page and f'href="/declarations/{mrn}"' in page
    assert other not in page
    only = client.get("/audit", params={"action": "declaration.rel", "target": mrn}).text
    assert 'data-action="declaration.released"' in only and 'data-action="declaration.lodged"' not in only
    assert "1 records match" in only


def test_verification_says_the_chain_holds_then_finds_a_tampered_record(client, db):
    _lodge(client)
    sign_in(client, "auditor")
    client.cookies.set("lang", "fr")
    ok = client.get("/audit/verify").text
    assert 'data-verified="ok"' in ok and "La chaîne est intègre" in ok
    with db.begin():
        db.execute(text("UPDATE audit_records SET actor = 'someone-else' WHERE action = 'declaration.lodged'"))
    broken = client.get("/audit/verify").text
    assert 'data-verified="broken"' in broken and "La chaîne est rompue" in broken


def test_traders_and_officers_have_no_audit_trail(client):
    for role in ("trader-a", "officer"):
        client.cookies.clear()
        sign_in(client, role)
        assert client.get("/audit").status_code == 403, role
        assert 'href="/audit"' not in client.get("/declarations").text
