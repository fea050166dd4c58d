"""The token endpoint speaks RFC 6749 §5: errors a standard OAuth2 client understands, and nothing cached."""

from __future__ import annotations

import pytest

URL = "/api/v1/auth/token"


def _token(client, **data):
    return client.post(URL, data=data)


def test_a_token_is_issued_and_never_cached(client):
    r = _token(client, grant_type="password", username="trader-a", password="demo")
    assert r.status_code == 200 and r.json()["token_type"] == "bearer" and r.json()["expires_in"] > 0
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Pragma"] == "no-cache"


def test_a_wrong_password_is_invalid_grant_400(client):
    r = _token(client, grant_type="password", username="trader-a", password="nope")
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == "invalid_grant" and "access_token" not in r.json()
    assert r.headers["Cache-Control"] == "no-store"
    assert _token(client, username="nobody", password="x").json()["error"] == "invalid_grant"


@pytest.mark.parametrize("data, error", [
    ({"grant_type": "client_credentials", "username": "trader-a", "password": "demo"}, "unsupported_grant_type"),
    ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
    ({"grant_type": "password", "username": "trader-a"}, "invalid_request"),
    ({"grant_type": "password", "password": "demo"}, "invalid_request"),
    ({"grant_type": "password", "username": "trader-a\x00", "password": "demo"}, "invalid_request"),
    ({"grant_type": "password", "username": "a" * 65, "password": "demo"}, "invalid_request"),
])
def test_bad_token_requests_get_rfc6749_codes(client, data, error):
    r = _token(client, **data)
    assert r.status_code == 400 and r.json()["error"] == error, r.text


def test_repeated_parameters_and_json_bodies_are_invalid_requests(client):
    r = client.post(URL, content="grant_type=password&username=trader-a&username=trader-b&password=demo",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = client.post(URL, json={"grant_type": "password", "username": "trader-a", "password": "demo"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
