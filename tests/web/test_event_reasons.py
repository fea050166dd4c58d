"""Timeline reasons written by the system are said in the reader's language (issue 12, "Screens")."""

from __future__ import annotations

import re

import pytest

from tests.factories import auth, document
from tests.web.conftest import sign_in


def _timeline(html: str) -> str:
    return html[html.index('id="timeline-title"'):]


@pytest.mark.parametrize("locale, channel_line, control", [
    ("fr", "Circuit : Jaune", "Contrôle documentaire"),
    ("es", "Canal: Amarillo", "Control documental"),
])
def test_a_yellow_lodgement_timeline_speaks_the_readers_language(client, locale, channel_line, control):
    doc = document()
    doc["items"][0].update(hs_code="240220", description="Cigarettes")  # yellow: documentary check
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    mrn = r.json()["mrn"]
    sign_in(client, "trader-a")
    client.cookies.set("lang", locale)
    page = _timeline(client.get(f"/declarations/{mrn}").text)
    assert channel_line in page and control in page
    assert "documentary check" not in page and not re.search(r"yellow: ", page)


def test_an_automatic_release_is_said_in_french_with_the_channel(client):
    r = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a"))
    assert r.status_code == 201 and r.json()["status"] == "released", r.text
    sign_in(client, "trader-a")
    client.cookies.set("lang", "fr")
    page = _timeline(client.get(f"/declarations/{r.json()['mrn']}").text)
    assert "Mainlevée automatique (circuit Vert)" in page and "automatic release" not in page


def test_the_api_events_keep_their_english_reason_and_add_the_code(client):
    headers = auth(client, "trader-a")
    mrn = client.post("/api/v1/declarations", json=document(), headers=headers).json()["mrn"]
    items = client.get(f"/api/v1/declarations/{mrn}/events", headers=headers).json()["items"]
    released = next(e for e in items if e["kind"] == "released")
    assert released["reason"].startswith("green channel") and released["reason_code"] == "released.auto"
    assert released["reason_params"] == {"channel": "green"}
