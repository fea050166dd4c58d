"""Sessions end when the user signs out, and a disabled user loses every way in at once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import auth
from tests.web.conftest import csrf_of, sign_in


def _logout(client: TestClient) -> None:
    page = client.get("/declarations")
    r = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303


def test_signing_out_revokes_the_session_cookie_on_the_server(client):
    assert sign_in(client, "trader-a").status_code == 303
    stolen = client.cookies.get("cw_session")
    assert client.get("/declarations").status_code == 200
    _logout(client)
    # A copy of the cookie taken before signing out (another tab, a stolen copy) no longer opens anything.
    client.cookies.set("cw_session", stolen)
    assert client.get("/declarations", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/declarations").status_code == 401
    client.cookies.clear()
    assert sign_in(client, "trader-a").status_code == 303  # signing in again works
    assert client.get("/declarations").status_code == 200


def test_signing_out_leaves_the_same_users_bearer_tokens_working(client):
    bearer = auth(client, "trader-a")
    sign_in(client, "trader-a")
    _logout(client)
    client.cookies.clear()
    assert client.get("/api/v1/declarations", headers=bearer).status_code == 200


def test_an_admin_disables_a_user_and_its_tokens_and_sessions_stop_at_once(client, world):
    from clearway.main import create_app

    bearer = auth(client, "trader-b")
    with TestClient(create_app(), raise_server_exceptions=False) as browser:
        sign_in(browser, "trader-b")
        assert browser.get("/declarations").status_code == 200
        assert client.get("/api/v1/declarations", headers=bearer).status_code == 200  # cached as active
        with TestClient(create_app(), raise_server_exceptions=False) as admin:
            sign_in(admin, "admin")
            page = admin.get("/admin/users")
            assert page.status_code == 200 and "trader-b" in page.text
            r = admin.post("/admin/users/trader-b/active", data={"active": "false", "csrf": csrf_of(page.text)},
                           follow_redirects=False)
            assert r.status_code == 303
            assert "Disabled" in admin.get("/admin/users").text
        assert client.get("/api/v1/declarations", headers=bearer).status_code == 401
        assert browser.get("/declarations", follow_redirects=False).status_code == 303
        r = client.post("/api/v1/auth/token", data={"username": "trader-b", "password": "demo"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_only_admins_reach_the_users_page(client):
    for role in ("trader-a", "officer", "auditor"):
        with TestClient(client.app, raise_server_exceptions=False) as c:
            sign_in(c, role)
            assert c.get("/admin/users").status_code == 403, role


def test_the_cli_disables_a_user_for_every_process_when_the_cache_is_off(client, monkeypatch):
    from typer.testing import CliRunner

    from clearway.auth.service import principal_cache
    from clearway.cli import app
    from clearway.config import get_settings

    monkeypatch.setenv("CLEARWAY_PRINCIPAL_CACHE_S", "0")
    get_settings.cache_clear()
    principal_cache.clear()
    bearer = auth(client, "trader-a")
    assert client.get("/api/v1/declarations", headers=bearer).status_code == 200
    # The CLI is another process in real life: it cannot clear this server's cache, so no cache must be kept.
    result = CliRunner().invoke(app, ["users", "disable", "trader-a"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/declarations", headers=bearer).status_code == 401
    assert CliRunner().invoke(app, ["users", "disable", "nobody"]).exit_code == 2
    assert CliRunner().invoke(app, ["users", "enable", "trader-a"]).exit_code == 0
    assert client.get("/api/v1/declarations", headers=bearer).status_code == 401  # old tokens stay revoked
    assert client.get("/api/v1/declarations", headers=auth(client, "trader-a")).status_code == 200


def test_a_user_disabled_by_another_process_can_change_nothing_from_that_moment(client):
    """Another process (the CLI, another worker) cannot clear this server's cache: writes look the user up anew."""
    from sqlalchemy import update

    from clearway.auth.models import User
    from clearway.db import get_sessionmaker
    from tests.factories import document

    bearer = auth(client, "trader-a")
    assert client.get("/api/v1/declarations", headers=bearer).status_code == 200  # now in this server's cache
    with get_sessionmaker()() as db, db.begin():  # what `clearway users disable` does, elsewhere
        db.execute(update(User).where(User.username == "trader-a").values(
            active=False, token_version=User.token_version + 1))
    r = client.post("/api/v1/declarations", json=document(), headers=bearer)
    assert r.status_code == 401, r.text
    with TestClient(client.app, raise_server_exceptions=False) as browser:
        sign_in(browser, "trader-b")
        with get_sessionmaker()() as db, db.begin():
            db.execute(update(User).where(User.username == "trader-b").values(
                active=False, token_version=User.token_version + 1))
        page = browser.get("/declarations/new")
        r = browser.post("/declarations/new", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        assert r.status_code in (303, 401) and "/login" in r.headers.get("location", "/login"), r.status_code
