"""Inputs that used to break the server: each answers with a coded 4xx (or works), never a 500."""

from __future__ import annotations

import base64

import pytest

from tests.controls.flows import PDF, TOBACCO, claimed, lodge
from tests.factories import auth


def test_a_document_with_a_non_latin_file_name_downloads_for_trader_and_officer(client):
    from urllib.parse import quote

    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    r = client.post(f"/api/v1/controls/tasks/{task_id}/document-requests",
                    json={"documents": [{"code": "N935", "description": "Invoice"}], "due_at": "2030-01-01T10:00:00Z"},
                    headers={**officer, "Idempotency-Key": "nl-1"})
    assert r.status_code == 201, r.text
    trader = auth(client, "trader-a")
    base = f"/api/v1/controls/document-requests/{r.json()['id']}"
    up = client.post(base + "/files", data={"document_code": "N935"},
                     files={"file": ("송장 \"2026\".pdf", PDF, "application/pdf")}, headers=trader)
    assert up.status_code == 201, up.text
    file_id = up.json()["id"]
    for who in (trader, officer):
        got = client.get(f"/api/v1/controls/files/{file_id}", headers=who)
        assert got.status_code == 200 and got.content == PDF
        disposition = got.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="') and disposition.isascii()
        assert "filename*=UTF-8''" + quote(up.json()["filename"], safe="") in disposition


@pytest.mark.parametrize("header", ["Bearer cw1.\u00e9t\u00e9.x", "Bearer \u4e2d\u6587", "B\u00e9arer x"])
def test_a_non_ascii_authorization_header_is_a_401(client, header):
    r = client.get("/api/v1/declarations", headers={"Authorization": header.encode("utf-8")})
    assert r.status_code == 401 and r.json()["code"] == "auth.required"


def test_a_non_ascii_session_cookie_is_treated_as_no_session(client):
    cookie = "cw_session=cw1.\u00e9.\u00e9".encode()
    r = client.get("/api/v1/declarations", headers={"Cookie": cookie})
    assert r.status_code == 401
    page = client.get("/declarations", headers={"Cookie": cookie}, follow_redirects=False)
    assert page.status_code in (303, 401)


@pytest.mark.parametrize("payload", ["d:99999999999999999999999", "d:-1", "d:0", "d:1e5", "d: 5", "d:\u0665"])
def test_a_forged_list_cursor_is_a_422(client, payload):
    cursor = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    r = client.get("/api/v1/declarations", params={"cursor": cursor}, headers=auth(client, "trader-a"))
    assert r.status_code == 422 and r.json()["code"] == "cursor.invalid", r.text


def test_a_forged_queue_cursor_is_a_422(client):
    cursor = base64.urlsafe_b64encode(b"q:1:2026-01-01T00:00:00+00:00:99999999999999999999999").decode()
    r = client.get("/api/v1/controls/queue", params={"cursor": cursor}, headers=auth(client, "officer"))
    assert r.status_code == 422, r.text
