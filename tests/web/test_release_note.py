"""A printable release note for released goods (issue 12, "Screens")."""

from __future__ import annotations

from tests.factories import auth, document
from tests.web.conftest import sign_in


def test_released_goods_have_a_printable_release_note_in_the_readers_language(client):
    r = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a"))
    assert r.status_code == 201 and r.json()["status"] == "released", r.text
    mrn = r.json()["mrn"]
    sign_in(client, "trader-a")
    assert f'href="/declarations/{mrn}/release-note"' in client.get(f"/declarations/{mrn}").text
    client.cookies.set("lang", "fr")
    note = client.get(f"/declarations/{mrn}/release-note")
    assert note.status_code == 200 and "Bon de mainlevée" in note.text and mrn in note.text
    assert "Smartphones, 128 GB, model X1" in note.text and "12\u202f500,00\u00a0USD" in note.text
    assert 'src="/static/print.js"' in note.text and client.get("/static/print.js").status_code == 200


def test_goods_not_yet_released_have_no_release_note(client):
    doc = document()
    doc["items"][0].update(hs_code="240220", description="Cigarettes")  # yellow: under control
    mrn = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a")).json()["mrn"]
    sign_in(client, "trader-a")
    assert "release-note" not in client.get(f"/declarations/{mrn}").text
    assert client.get(f"/declarations/{mrn}/release-note").status_code == 409


def test_a_competitor_gets_no_release_note(client):
    mrn = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).json()["mrn"]
    sign_in(client, "trader-b")
    assert client.get(f"/declarations/{mrn}/release-note").status_code == 404
