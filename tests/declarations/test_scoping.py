"""Row scoping: traders see only their own declarations; customs reads are audited."""

from __future__ import annotations

from sqlalchemy import select

from clearway.audit.models import AuditRecord
from tests.factories import TRADER_B, auth, document, document_for


def test_trader_cannot_read_a_competitors_declaration(client):
    mrn = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).json()["mrn"]
    other = auth(client, "trader-b")
    for path in (f"/api/v1/declarations/{mrn}", f"/api/v1/declarations/{mrn}/events"):
        r = client.get(path, headers=other)
        assert r.status_code == 404 and r.json()["code"] == "declaration.not_found"
    assert client.get("/api/v1/declarations", headers=other).json()["items"] == []


def test_trader_cannot_lodge_in_another_traders_name(client):
    r = client.post("/api/v1/declarations", json=document_for(TRADER_B), headers=auth(client, "trader-a"))
    assert r.status_code == 422
    assert ("party.declarant_mismatch", "/declarant/id") in {(e["code"], e["pointer"]) for e in r.json()["errors"]}


def test_importer_named_in_a_brokers_declaration_can_read_it(client):
    doc = document()
    doc["importer"] = {"id": TRADER_B, "name": "Daehan Global Imports Ltd.", "country": "KR"}
    mrn = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a")).json()["mrn"]
    assert client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-b")).status_code == 200


def test_officer_read_of_trader_data_is_audited(client, db):
    mrn = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).json()["mrn"]
    assert client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "officer")).status_code == 200
    with db.begin():
        actions = db.execute(select(AuditRecord.actor, AuditRecord.action).where(AuditRecord.target_id == mrn)).all()
    assert ("officer", "declaration.read") in {tuple(a) for a in actions}


def test_agency_sees_nothing_not_referred_to_it(client):
    mrn = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).json()["mrn"]
    assert client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "agency")).status_code == 404


def test_missing_or_bad_token_gives_401_with_www_authenticate(client):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        r = client.get("/api/v1/declarations", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


def test_wrong_role_gives_403(client):
    r = client.post("/api/v1/declarations", json=document(), headers=auth(client, "officer"))
    assert r.status_code == 403 and r.json()["code"] == "auth.role_forbidden"
