"""Bad input of every kind gets a 4xx problem document, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import auth, document

PROBLEM = "application/problem+json"


def _post(client, headers, **kwargs):
    return client.post("/api/v1/declarations", headers=headers, **kwargs)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "body.malformed"),
        (b"", 400, "body.malformed"),
        (b"[1, 2, 3]", 422, "body.not_object"),
        (b'"a string"', 422, "body.not_object"),
        (b"null", 422, "body.not_object"),
        (b'{"type": 5}', 422, "field.choice"),
        (b"\xff\xfe\x00garbage", 400, "body.malformed"),
    ],
)
def test_malformed_bodies(client, body, status, code):
    r = _post(client, {**auth(client, "trader-a"), "Content-Type": "application/json"}, content=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert code in {e["code"] for e in r.json()["errors"]}


def test_oversized_body_is_refused_before_reading(client):
    big = b'{"x": "' + b"a" * 3_000_000 + b'"}'
    r = _post(client, {**auth(client, "trader-a"), "Content-Type": "application/json"}, content=big)
    assert r.status_code == 413 and r.json()["code"] == "body.too_large"


def test_wrong_media_type(client):
    r = _post(client, {**auth(client, "trader-a"), "Content-Type": "text/plain"}, content=b"{}")
    assert r.status_code == 415


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        ({"currency": 840}, "/currency", "field.type"),
        ({"items": []}, "/items", "field.count"),
        ({"items": "none"}, "/items", "field.type"),
        ({"unexpected": 1}, "/unexpected", "field.unknown"),
        ({"invoice_total": 12500.0}, "/invoice_total", "field.type"),
        ({"invoice_total": "1e400"}, "/invoice_total", "decimal.format"),
        ({"invoice_total": "NaN"}, "/invoice_total", "decimal.format"),
        ({"lrn": "x" * 500}, "/lrn", "field.format"),
        ({"transport": {"mode": "4", "border_office": "KR0101", "arrival": "yesterday"}},
         "/transport/arrival", "field.datetime"),
        ({"incoterm": "XYZ"}, "/incoterm", "incoterm.unknown"),
    ],
)
def test_wrong_types_and_unknown_codes_point_at_the_field(client, change, pointer, code):
    r = _post(client, auth(client, "trader-a"), json=document(**change))
    assert r.status_code == 422, r.text
    assert (code, pointer) in {(e["code"], e["pointer"]) for e in r.json()["errors"]}


def test_bad_query_parameters(client):
    headers = auth(client, "trader-a")
    for query in ("limit=0", "limit=abc", "cursor=%%%", "channel=purple", "lodged_from=notadate"):
        r = client.get(f"/api/v1/declarations?{query}", headers=headers)
        assert r.status_code == 422, query
        assert r.json()["errors"][0]["parameter"], query


def test_unknown_route_and_method(client):
    assert client.get("/api/v1/nothing-here").status_code == 404
    r = client.delete("/api/v1/declarations", headers=auth(client, "trader-a"))
    assert r.status_code == 405 and r.headers["content-type"].startswith(PROBLEM)


def test_wrong_password_is_an_oauth2_error(client):
    r = client.post("/api/v1/auth/token", data={"username": "trader-a", "password": "nope"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("currency", ["XXX", "XTS", "XAU", "XDR"])
def test_no_currency_testing_code_or_metal_is_an_invoice_currency(client, currency):
    r = _post(client, auth(client, "trader-a"), json=document(currency=currency))
    assert r.status_code == 422
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("currency.unknown", "/currency")]


def test_a_negative_net_mass_is_said_to_be_not_positive(client):
    doc = document()
    doc["items"][0]["net_mass_kg"] = "-1.5"
    r = _post(client, auth(client, "trader-a"), json=doc)
    assert r.status_code == 422
    errors = [e for e in r.json()["errors"] if e["pointer"] == "/items/0/net_mass_kg"]
    assert [e["code"] for e in errors] == ["mass.not_positive"], r.json()["errors"]
    assert "greater than zero" in errors[0]["message"] or "positive" in errors[0]["message"], errors[0]["message"]
