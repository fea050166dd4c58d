"""The caller's identity: bearer tokens, browser sessions with CSRF, and what a request costs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import auth, token
from tests.web.conftest import sign_in

ME = "/api/v1/auth/me"


def _codes(r: Any) -> list[str]:
    return [e["code"] for e in r.json().get("errors", [])]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts token signature checks and the sessions the auth dependency opens."""
    from clearway import deps
    from clearway.auth import tokens

    counts = {"hmac": 0, "sessions": 0}
    sign, sessionmaker = tokens._sign, deps.get_read_sessionmaker

    def counting_sign(secret: str, body: str) -> str:
        counts["hmac"] += 1
        return sign(secret, body)

    def counting_sessions() -> Any:
        counts["sessions"] += 1
        return sessionmaker()()

    monkeypatch.setattr(tokens, "_sign", counting_sign)
    monkeypatch.setattr(deps, "get_read_sessionmaker", lambda: counting_sessions)
    return counts


def test_known_caller_costs_one_signature_check_and_no_session(client, counted):
    headers = auth(client, "trader-a")
    assert client.get(ME, headers=headers).status_code == 200  # fills the principal cache
    counted.update(hmac=0, sessions=0)
    r = client.get(ME, headers=headers)
    assert r.status_code == 200
    assert r.json()["username"] == "trader-a"
    assert counted == {"hmac": 1, "sessions": 0}


def test_unknown_caller_costs_one_signature_check_and_one_session(client, counted):
    from clearway.auth.service import principal_cache

    headers = auth(client, "trader-a")
    principal_cache.clear()
    counted.update(hmac=0, sessions=0)
    assert client.get(ME, headers=headers).status_code == 200
    assert counted == {"hmac": 1, "sessions": 1}


@pytest.mark.parametrize("header", ["", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer cw1.e30.forged", "Bearer nonsense"])
def test_missing_or_malformed_credentials_are_401(client, header):
    r = client.get(ME, headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.headers.get("www-authenticate", "").lower().startswith("bearer")


def test_tampered_bearer_token_is_401_even_when_its_user_is_cached(client):
    good = token(client, "trader-a")
    assert client.get(ME, headers={"Authorization": f"Bearer {good}"}).status_code == 200
    prefix, body, signature = good.split(".")
    forged = f"{prefix}.{body}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"
    assert client.get(ME, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_a_browser_session_cookie_is_not_a_bearer_token(client):
    assert sign_in(client, "trader-a").status_code == 303
    cookie = client.cookies.get("cw_session")
    client.cookies.clear()
    assert client.get(ME, headers={"Authorization": f"Bearer {cookie}"}).status_code == 401


def test_a_bearer_token_stops_working_when_its_user_is_deactivated(client, db):
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import principal_cache

    headers = auth(client, "trader-a")
    assert client.get(ME, headers=headers).status_code == 200
    with db.begin():
        db.scalar(select(User).where(User.username == "trader-a")).active = False
    principal_cache.clear()
    assert client.get(ME, headers=headers).status_code == 401


def test_session_cookie_reads_the_api_without_csrf_but_writes_need_it(client):
    from clearway.auth.tokens import csrf_for
    from clearway.config import get_settings

    assert sign_in(client, "trader-a").status_code == 303
    assert client.get(ME).json()["username"] == "trader-a"
    r = client.post("/api/v1/declarations", json={})
    assert r.status_code == 403
    assert _codes(r) == ["auth.csrf_failed"]
    assert client.post("/api/v1/declarations", json={}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    csrf = csrf_for(secret=get_settings().secret_key, session_token=client.cookies.get("cw_session"))
    r = client.post("/api/v1/declarations", json={}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422  # past authentication and CSRF: the empty draft itself is refused


def test_an_invalid_session_cookie_on_a_write_is_401_not_403(client):
    client.cookies.set("cw_session", "cw1.e30.forged")
    assert client.post("/api/v1/declarations", json={}).status_code == 401
