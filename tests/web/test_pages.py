"""The web UI without a browser: sessions, CSRF, cookie flags, scoping and error pages."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from clearway.declarations.models import Declaration
from tests.factories import auth, document
from tests.web.conftest import csrf_of, sign_in

FORM = {"item_count": "1", "action": "lodge", "/type": "IM", "/office": "KR0101", "/lrn": "WEB-0001",
        "/declarant/id": "KR1000000001", "/declarant/name": "Hanbit Trading Co.", "/declarant/country": "KR",
        "/importer/id": "KR1000000001", "/importer/name": "Hanbit Trading Co.", "/importer/country": "KR",
        "/transport/mode": "4", "/transport/border_office": "KR0101", "/currency": "USD", "/incoterm": "FOB",
        "/items/0/hs_code": "851713", "/items/0/description": "Smartphones", "/items/0/origin_country": "CN",
        "/items/0/net_mass_kg": "42.5", "/items/0/quantity/value": "250", "/items/0/quantity/unit": "NAR",
        "/items/0/value": "12500.00"}


def _lodge_via_api(client, username: str = "trader-a") -> str:
    r = client.post("/api/v1/declarations", json=document(), headers=auth(client, username))
    assert r.status_code == 201, r.text
    return str(r.json()["mrn"])


def _count(db) -> int:
    with db.begin():
        return int(db.scalar(select(func.count()).select_from(Declaration)) or 0)


def test_root_sends_anonymous_visitors_to_sign_in(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = client.get("/declarations", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_session_cookie_is_httponly_samesite_lax_and_not_secure_by_default(client):
    r = sign_in(client, "trader-a")
    assert r.status_code == 303 and r.headers["location"] == "/declarations"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("cw_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags
    assert client.get("/", follow_redirects=False).headers["location"] == "/declarations"


def test_session_cookie_is_secure_when_configured(client, monkeypatch):
    from clearway.config import get_settings

    monkeypatch.setenv("CLEARWAY_COOKIE_SECURE", "true")
    get_settings.cache_clear()
    client.base_url = "https://testserver"  # a Secure cookie only comes back over HTTPS
    r = sign_in(client, "trader-a")
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("cw_session="))
    assert "secure" in {part.strip().lower() for part in cookie.split(";")[1:]}


def test_sign_in_without_csrf_token_is_refused(client):
    client.get("/login")
    r = client.post("/login", data={"username": "trader-a", "password": "demo"}, follow_redirects=False)
    assert r.status_code == 403 and "cw_session" not in r.headers.get("set-cookie", "")
    r = client.post("/login", data={"username": "trader-a", "password": "demo", "csrf": "forged"},
                    follow_redirects=False)
    assert r.status_code == 403


def test_lodging_without_csrf_token_is_refused_and_stores_nothing(client, db):
    sign_in(client, "trader-a")
    r = client.post("/declarations/new", data=FORM, follow_redirects=False)
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    assert _count(db) == 0


def test_sign_out_and_language_need_the_csrf_token(client):
    sign_in(client, "trader-a")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.post("/lang", data={"lang": "es"}, follow_redirects=False).status_code == 403
    token = csrf_of(client.get("/declarations").text)
    r = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/declarations", follow_redirects=False).status_code == 303


def test_wrong_password_shows_the_form_again_with_a_message(client):
    r = sign_in(client, "trader-a", password="wrong")
    assert r.status_code == 401 and "Wrong username or password" in r.text
    assert "cw_session=" not in r.headers.get("set-cookie", "")


def test_lodging_by_form_redirects_to_the_new_declaration(client, db):
    sign_in(client, "trader-a")
    token = csrf_of(client.get("/declarations/new").text)
    r = client.post("/declarations/new", data={**FORM, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/declarations/")
    page = client.get(r.headers["location"]).text
    assert "WEB-0001" in page and "Smartphones" in page and _count(db) == 1


def test_form_errors_sit_next_to_their_fields_in_the_users_language(client, db):
    sign_in(client, "trader-a")
    client.cookies.set("lang", "es")
    token = csrf_of(client.get("/declarations/new").text)
    r = client.post("/declarations/new", data={**FORM, "csrf": token, "/currency": "XXQ", "/items/0/net_mass_kg": ""},
                    follow_redirects=False)
    assert r.status_code == 422 and _count(db) == 0
    errors = dict(re.findall(r'<p class="error-message" id="(f-[^"]+)-error">(.*?)</p>', r.text, re.S))
    assert "XXQ no es un código de moneda ISO 4217" in errors["f-currency"]
    assert "Masa neta (kg) es obligatorio" in errors["f-items-0-net_mass_kg"]
    assert 'href="#f-currency"' in r.text and 'class="error-summary"' in r.text


def test_upload_lodges_a_json_document(client):
    sign_in(client, "trader-a")
    token = csrf_of(client.get("/declarations/new").text)
    r = client.post("/declarations/upload", data={"csrf": token}, follow_redirects=False,
                    files={"document": ("d.json", json.dumps(document()), "application/json")})
    assert r.status_code == 303 and r.headers["location"].startswith("/declarations/")


def test_upload_errors_are_placed_in_the_form(client):
    sign_in(client, "trader-a")
    token = csrf_of(client.get("/declarations/new").text)
    bad = document(currency="ZZZ")
    r = client.post("/declarations/upload", data={"csrf": token},
                    files={"document": ("d.json", json.dumps(bad), "application/json")})
    assert r.status_code == 422 and 'id="f-currency-error"' in r.text and 'value="ZZZ"' in r.text
    r = client.post("/declarations/upload", data={"csrf": token},
                    files={"document": ("d.json", b"{not json", "application/json")})
    assert r.status_code == 422 and 'id="f-upload-error"' in r.text


def test_trader_gets_a_404_page_for_a_competitors_declaration(client):
    mrn = _lodge_via_api(client)
    sign_in(client, "trader-b")
    r = client.get(f"/declarations/{mrn}")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    main = r.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Page not found" in main and mrn not in main and "Hanbit" not in r.text and "Smartphones" not in r.text
    assert mrn not in client.get("/declarations").text


def test_officer_sees_the_office_list_with_the_declarant(client):
    mrn = _lodge_via_api(client)
    sign_in(client, "officer")
    page = client.get("/declarations").text
    assert "Declarations at office KR0101" in page and mrn in page and "KR1000000001" in page
    assert client.get("/declarations/new").status_code == 403


def test_list_filters_by_channel(client):
    mrn = _lodge_via_api(client)
    sign_in(client, "trader-a")
    assert mrn in client.get("/declarations?channel=green").text
    assert mrn not in client.get("/declarations?channel=red").text


def test_api_errors_stay_problem_json(client):
    r = client.get("/api/v1/declarations/26KR0101AAAAAAAAA0", headers=auth(client, "trader-a"))
    assert r.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/declarations").status_code == 401


def test_language_switch_sets_the_cookie_and_never_leaves_the_site(client):
    token = csrf_of(client.get("/login").text)
    for elsewhere in ("//evil.example/x", "/\\evil.example", "/\t/evil.example", "https://evil.example"):
        r = client.post("/lang", data={"csrf": token, "lang": "es", "next": elsewhere}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/declarations"
    r = client.post("/lang", data={"csrf": token, "lang": "fr", "next": "/login"}, follow_redirects=False)
    assert r.headers["location"] == "/login"
    assert "lang=fr" in r.headers["set-cookie"] and "httponly" in r.headers["set-cookie"].lower()
    page = client.get("/login").text
    assert '<html lang="fr">' in page and "Connexion" in page


def test_html_pages_answer_unknown_paths_and_methods_with_html(client):
    sign_in(client, "trader-a")
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "Page not found" in r.text
    r = client.get("/logout")
    assert r.status_code == 405 and "text/html" in r.headers["content-type"]
    assert client.get("/api/v1/no/such").headers["content-type"] == "application/problem+json"
