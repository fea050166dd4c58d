"""Issue 12 standards: If-Match per RFC 9110 §13.1.1, replays keep Location/ETag, headers in the OpenAPI."""

from __future__ import annotations

from tests.factories import auth, document


def _lodge(client, headers, **kw):
    r = client.post("/api/v1/declarations", json=document(**kw), headers=headers)
    assert r.status_code == 201, r.text
    return r


def _amend_as_officer(client, mrn, lrn, if_match):
    officer = auth(client, "officer")
    body = {**document(lrn=lrn), "reason": "Corrected description"}
    return client.put(f"/api/v1/declarations/{mrn}", json=body, headers={**officer, "If-Match": if_match})


def test_if_match_refuses_weak_tags_and_accepts_star_and_lists(client):
    headers = auth(client, "trader-a")
    body = _lodge(client, headers).json()
    mrn, lrn = body["mrn"], body["lrn"]
    assert _amend_as_officer(client, mrn, lrn, 'W/"v1"').status_code == 412
    assert _amend_as_officer(client, mrn, lrn, '"v9", "v1"').status_code == 200
    assert _amend_as_officer(client, mrn, lrn, "*").status_code == 200


def test_a_replayed_lodging_keeps_location_and_etag(client):
    headers = {**auth(client, "trader-a"), "Idempotency-Key": "probe-key-1"}
    doc = document()
    first = client.post("/api/v1/declarations", json=doc, headers=headers)
    again = client.post("/api/v1/declarations", json=doc, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"] and again.headers["ETag"] == first.headers["ETag"]


def test_openapi_documents_etag_and_location(client):
    spec = client.get("/api/v1/openapi.json").json()
    lodge = spec["paths"]["/api/v1/declarations"]["post"]["responses"]["201"]
    assert {"ETag", "Location"} <= set(lodge.get("headers", {}))
    read = spec["paths"]["/api/v1/declarations/{mrn}"]["get"]["responses"]["200"]
    assert "ETag" in read.get("headers", {})
    for path in ("/api/v1/declarations/{mrn}/cancel", "/api/v1/declarations/{mrn}/decisions"):
        assert "ETag" in spec["paths"][path]["post"]["responses"]["200"].get("headers", {}), path


def test_pages_name_their_language_and_vary_on_it(client):
    r = client.get("/login", headers={"Accept-Language": "fr"})
    assert r.headers.get("Content-Language") == "fr"
    assert "accept-language" in r.headers.get("Vary", "").lower()


def test_problems_name_the_language_of_their_messages(client):
    r = client.get("/api/v1/declarations/not-an-mrn", headers={**auth(client, "trader-a"), "Accept-Language": "es"})
    assert r.status_code in (404, 422) and r.headers["content-type"].startswith("application/problem+json")
    assert r.headers.get("Content-Language") == "es" and "accept-language" in r.headers.get("Vary", "").lower()
