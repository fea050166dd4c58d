"""Lodging a declaration through the API."""

from __future__ import annotations

from clearway.declarations.mrn import mrn_valid
from tests.factories import auth, document


def test_lodge_returns_mrn_and_first_events(client):
    headers = auth(client, "trader-a")
    r = client.post("/api/v1/declarations", json=document(), headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert mrn_valid(body["mrn"])
    assert body["status"] == "released" and body["channel"] == "green"
    assert r.headers["etag"] == '"v1"'
    events = client.get(f"/api/v1/declarations/{body['mrn']}/events", headers=headers).json()["items"]
    assert [e["kind"] for e in events] == ["lodged", "accepted", "assessed", "channelled", "released"]
    assert events[0]["actor"] == "trader-a"
    assert all(e["at"].endswith("Z") or e["at"].endswith("+00:00") for e in events)


def test_openapi_example_lodges_as_it_stands(client):
    spec = client.get("/api/v1/openapi.json").json()
    example = spec["components"]["schemas"]["DeclarationCreate"]["examples"][0]
    r = client.post("/api/v1/declarations", json=example, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text


def test_all_problems_reported_with_pointers(client):
    doc = document(currency="XXQ", office="NOPE")
    doc["items"][0].update(hs_code="999999", net_mass_kg="0", value="12.5.0", origin_country="ZZ")
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    found = {(e["code"], e["pointer"]) for e in r.json()["errors"]}
    assert {
        ("currency.unknown", "/currency"),
        ("office.unknown", "/office"),
        ("hs_code.unknown", "/items/0/hs_code"),
        ("mass.not_positive", "/items/0/net_mass_kg"),
        ("decimal.format", "/items/0/value"),
        ("country.unknown", "/items/0/origin_country"),
    } <= found


def test_invalid_hs_code_points_at_the_item_field_in_three_languages(client):
    doc = document()
    doc["items"][0]["hs_code"] = "851799"  # not a subheading of HS 2022
    headers = auth(client, "trader-a")
    messages = {}
    for lang in ("en", "es", "fr"):
        r = client.post("/api/v1/declarations", json=doc, headers={**headers, "Accept-Language": lang})
        (err,) = r.json()["errors"]
        assert (err["code"], err["pointer"]) == ("hs_code.unknown", "/items/0/hs_code")
        messages[lang] = err["message"]
    assert len(set(messages.values())) == 3 and "851799" in messages["fr"]


def test_values_must_add_up_to_invoice_total(client):
    r = client.post("/api/v1/declarations", json=document(invoice_total="99.00"), headers=auth(client, "trader-a"))
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("totals.mismatch", "/invoice_total")]


def test_duplicate_local_reference_is_refused(client):
    headers = auth(client, "trader-a")
    doc = document()
    assert client.post("/api/v1/declarations", json=doc, headers=headers).status_code == 201
    r = client.post("/api/v1/declarations", json=doc, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "lrn.duplicate"


def test_rejected_declaration_stores_nothing(client):
    headers = auth(client, "trader-a")
    doc = document()
    doc["items"][0]["hs_code"] = "000000"
    assert client.post("/api/v1/declarations", json=doc, headers=headers).status_code == 422
    assert client.get("/api/v1/declarations", headers=headers).json()["items"] == []


def test_retry_with_same_idempotency_key_gives_one_record(client):
    headers = {**auth(client, "trader-a"), "Idempotency-Key": "k-123"}
    doc = document()
    first = client.post("/api/v1/declarations", json=doc, headers=headers)
    second = client.post("/api/v1/declarations", json=doc, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(client.get("/api/v1/declarations", headers=headers).json()["items"]) == 1


def test_same_key_with_another_body_is_refused(client):
    headers = {**auth(client, "trader-a"), "Idempotency-Key": "k-456"}
    assert client.post("/api/v1/declarations", json=document(), headers=headers).status_code == 201
    r = client.post("/api/v1/declarations", json=document(), headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "idempotency.key_reused"


def test_sensitive_goods_go_red_with_a_reason(client):
    doc = document()
    doc["items"][0].update(hs_code="930200", description="Revolvers")
    body = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a")).json()
    assert (body["channel"], body["status"]) == ("red", "under_control")
