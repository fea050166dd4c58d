"""RFC 9110 on methods: HEAD wherever GET is served, a 405's Allow naming every method, compression on request."""

from __future__ import annotations

import gzip

from tests.factories import auth


def test_head_is_answered_like_get_without_a_body(client):
    for path in ("/public", "/login", "/api/v1/openapi.json"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"], path
    headers = auth(client, "trader-a")
    head = client.head("/api/v1/declarations", headers=headers)
    assert head.status_code == 200 and head.content == b""
    assert client.head("/api/v1/declarations").status_code == 401  # HEAD is no way around authentication


def test_a_405_names_every_method_the_path_serves(client):
    headers = auth(client, "trader-a")
    r = client.delete("/api/v1/declarations", headers=headers)
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}
    r = client.put("/login")
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_large_documents_are_compressed_for_clients_that_ask(client):
    r = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    assert int(r.headers["content-length"]) < len(r.content) / 3  # httpx decoded it: the wire was far smaller
    raw = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.json()["openapi"].startswith("3.")
    assert gzip.compress(raw.content)  # sanity: the plain body is the whole document
