"""Production defaults: Secure cookies and HSTS, closed /metrics and API docs, no common passwords, no public demo
secret, and a contract that takes RFC 3339 times and numbers, not Unix seconds and booleans."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clearway.config import DEFAULT_SECRET, Settings, get_settings
from clearway.errors import ValidationFailed
from tests.factories import auth, document

STRONG = "kR7#pq2Lm9!zv-quay"


@pytest.fixture
def production(world, monkeypatch):
    """A production-mode app on the test database, with one real (non-demo) trader."""
    from clearway.auth.models import Organisation
    from clearway.auth.service import user_create
    from clearway.db import get_sessionmaker, utcnow
    from clearway.main import create_app

    monkeypatch.setenv("CLEARWAY_ENVIRONMENT", "production")
    get_settings.cache_clear()
    with get_sessionmaker()() as db, db.begin():
        org = db.query(Organisation).filter_by(code="KR1000000001").one()
        user_create(db=db, username="real-trader", password=STRONG, role="trader", organisation=org, now=utcnow())
    with TestClient(create_app(), raise_server_exceptions=False, base_url="https://testserver") as c:
        yield c
    get_settings.cache_clear()


def test_production_sends_hsts_and_secure_session_cookies(production):
    from tests.web.conftest import csrf_of

    page = production.get("/login")
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    r = production.post("/login", data={"username": "real-trader", "password": STRONG, "csrf": csrf_of(page.text)},
                        follow_redirects=False)
    assert r.status_code == 303
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("cw_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_production_closes_metrics_and_api_docs_by_default(production):
    assert production.get("/api/v1/openapi.json").status_code == 404
    assert production.get("/api/v1/docs").status_code == 404
    assert production.get("/metrics").status_code == 401


def test_metrics_and_docs_open_when_the_deployment_says_so(world, monkeypatch):
    from clearway.main import create_app

    monkeypatch.setenv("CLEARWAY_ENVIRONMENT", "production")
    monkeypatch.setenv("CLEARWAY_METRICS_PUBLIC", "true")
    monkeypatch.setenv("CLEARWAY_API_DOCS_PUBLIC", "true")
    get_settings.cache_clear()
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        assert c.get("/api/v1/openapi.json").status_code == 200
        assert c.get("/metrics").status_code == 200
    get_settings.cache_clear()


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop12", "1q2w3e4r5t6y", "123456789012",
                                      "passwordpassword", "abcdefghijkl", "real-trader-1"])
def test_common_or_guessable_passwords_are_refused(world, password):
    from clearway.auth.models import Organisation
    from clearway.auth.service import user_create
    from clearway.db import get_sessionmaker, utcnow

    with get_sessionmaker()() as db, db.begin():
        org = db.query(Organisation).filter_by(code="KR1000000001").one()
        with pytest.raises(ValidationFailed) as refused:
            user_create(db=db, username="real-trader", password=password, role="trader", organisation=org,
                        now=utcnow())
    assert [p.code for p in refused.value.problems] == ["user.password_common"]


def test_a_demo_database_signs_with_its_own_random_secret(tmp_path, monkeypatch):
    from clearway.auth.tokens import token_issue, token_read

    monkeypatch.delenv("CLEARWAY_SECRET_KEY", raising=False)
    one = Settings(environment="demo", database_url=f"sqlite:///{tmp_path / 'a.db'}")
    again = Settings(environment="demo", database_url=f"sqlite:///{tmp_path / 'a.db'}")
    other = Settings(environment="demo", database_url=f"sqlite:///{tmp_path / 'b.db'}")
    assert one.secret_key != DEFAULT_SECRET and len(one.secret_key) >= 32
    assert one.secret_key == again.secret_key != other.secret_key  # kept per database, across restarts
    assert oct((tmp_path / "a.db.secret").stat().st_mode & 0o777) == "0o600"
    forged = token_issue(secret=DEFAULT_SECRET, claims={"u": 1, "v": 1, "k": "b"}, ttl_s=600)
    assert token_read(secret=one.secret_key, token=forged) is None


@pytest.mark.parametrize("value", ["0.5", "1700000000", "true", "-1"])
def test_list_times_must_be_rfc3339(client, value):
    r = client.get("/api/v1/declarations", params={"lodged_to": value}, headers=auth(client, "trader-a"))
    assert r.status_code == 422, r.text
    ok = client.get("/api/v1/declarations", params={"lodged_to": "2030-01-01T00:00:00Z"},
                    headers=auth(client, "trader-a"))
    assert ok.status_code == 200


def test_a_boolean_is_not_a_package_count_nor_a_number_a_time(client):
    headers = auth(client, "trader-a")
    doc = document()
    doc["items"][0]["packages"] = {"count": True, "kind": "CT"}
    r = client.post("/api/v1/declarations", json=doc, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/items/0/packages/count", r.text
    assert r.json()["errors"][0]["code"] == "field.type"
    doc = document()
    doc["transport"] = {**doc["transport"], "arrival": 1700000000}
    r = client.post("/api/v1/declarations", json=doc, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/transport/arrival", r.text
    assert r.json()["errors"][0]["code"] == "field.datetime"


def test_request_bodies_take_rfc3339_times_not_unix_seconds(client):
    from tests.controls.flows import TOBACCO, claimed, lodge

    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    url = f"/api/v1/controls/tasks/{task_id}/document-requests"
    body = {"documents": [{"code": "N935", "description": "Invoice"}], "due_at": 1900000000}
    r = client.post(url, json=body, headers={**officer, "Idempotency-Key": "t-1"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "field.datetime", r.text
    r = client.post(url, json={**body, "due_at": "2030-03-01T00:00:00Z"}, headers={**officer, "Idempotency-Key": "t-2"})
    assert r.status_code == 201, r.text
