"""A user changes their own password; the old one, other sessions and API tokens stop working (issue 12)."""

from __future__ import annotations

from tests.factories import auth
from tests.web.conftest import csrf_of, sign_in

NEW = "correct horse battery staple 42"


def _change(client, current, new, confirm=None, **headers):
    page = client.get("/account/password")
    assert page.status_code == 200
    return client.post("/account/password", data={"csrf": csrf_of(page.text), "current": current, "password": new,
                                                  "confirm": new if confirm is None else confirm},
                       headers=headers, follow_redirects=False)


def test_a_user_changes_the_password_and_the_old_one_no_longer_signs_in(client):
    old_token = auth(client, "trader-a")
    sign_in(client, "trader-a")
    assert 'href="/account/password"' in client.get("/declarations").text
    r = _change(client, "demo", NEW)
    assert r.status_code == 303
    assert client.get("/declarations").status_code == 200  # this browser stays signed in
    assert client.get("/api/v1/declarations", headers=old_token).status_code == 401  # the old token ended
    token = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "trader-a",
                                                   "password": "demo"})
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"
    assert client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "trader-a",
                                                  "password": NEW}).status_code == 200


def test_wrong_current_weak_or_mismatched_passwords_are_refused_in_the_users_language(client):
    sign_in(client, "trader-a")
    client.cookies.set("lang", "es")
    r = _change(client, "nope", NEW)
    assert r.status_code == 422 and "La contraseña actual no es correcta" in r.text
    r = _change(client, "demo", "short")
    assert r.status_code == 422 and "al menos 12 caracteres" in r.text
    r = _change(client, "demo", "password1234")
    assert r.status_code == 422 and "contraseñas comunes" in r.text
    r = _change(client, "demo", NEW, confirm=NEW + "x")
    assert r.status_code == 422 and "no coinciden" in r.text
    assert client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "trader-a",
                                                  "password": "demo"}).status_code == 200  # nothing changed


def test_the_page_needs_a_signed_in_user(client):
    assert client.get("/account/password", follow_redirects=False).status_code in (303, 401)
