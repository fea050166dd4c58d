"""The crisis API and pages: administrators declare and lift profiles, staff read what passed under them,
the public portal announces public ones; a post's export is reconciled over the API."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import clearway
from clearway.crisis.node import node_export, node_lodge, node_open, node_provision
from clearway.db import utcnow
from clearway.exchange.directory import own_key_rotate
from tests.factories import auth, document
from tests.locales import assert_translated
from tests.web.conftest import csrf_of, sign_in

LOCALES = Path(clearway.__file__).with_name("locales")
NOTICE = {"en": "Relief consignments for the flood zone clear first.",
          "es": "Los envíos de socorro para la zona inundada se despachan primero.",
          "fr": "Les envois de secours pour la zone inondée sont dédouanés en premier."}


def _declare(client, **over):  # type: ignore[no-untyped-def]
    body = {"kind": "relief", "scope": {"offices": ["KR0101"], "hs_chapters": ["85"]}, "reason": "Flood relief",
            "ends_at": (utcnow() + timedelta(hours=12)).isoformat(), "public": True, "notice": NOTICE, **over}
    return client.post("/api/v1/crisis/emergencies", json=body, headers=auth(client, "admin"))


def test_spanish_and_french_have_every_key_with_its_placeholders_and_no_english_left():
    assert_translated("crisis", {"es": {"ui.crisis.nav", "ui.crisis.no"}, "fr": {"ui.crisis.public"}})


def test_every_problem_code_of_the_domain_has_a_message():
    en = json.loads((LOCALES / "crisis_en.json").read_text("utf-8"))
    source = "".join(p.read_text() for p in (Path(clearway.__file__).parent / "crisis").glob("*.py"))
    source += (Path(clearway.__file__).parent / "clearance" / "offline.py").read_text()
    codes = set(re.findall(r'Problem\("(crisis\.[a-z_]+)"', source))
    assert codes and codes <= set(en), codes - set(en)


def test_admin_declares_a_profile_and_the_report_shows_what_passed_under_it(client):  # type: ignore[no-untyped-def]
    r = _declare(client)
    assert r.status_code == 201, r.text
    profile = r.json()
    assert (profile["state"], profile["effect"], profile["scope"]["hs_chapters"]) == ("active", "lighter", ["85"])
    lodged = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a"))
    assert lodged.status_code == 201 and lodged.json()["channel"] == "blue"
    report = client.get(f"/api/v1/crisis/emergencies/{profile['id']}", headers=auth(client, "auditor")).json()
    assert (report["decisions"], report["post_clearance_audit"], report["by_channel"]) == (1, 1, {"blue": 1})
    assert report["recent"][0]["mrn"] == lodged.json()["mrn"]
    lifted = client.post(f"/api/v1/crisis/emergencies/{profile['id']}/lift", headers=auth(client, "admin")).json()
    assert lifted["state"] == "lifted" and lifted["lifted_by"] == "admin"
    again = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).json()
    assert again["channel"] == "green"  # lifted: selection is the engine's again


def test_an_activation_without_an_end_time_or_with_a_past_one_is_refused_with_its_pointer(client):  # type: ignore[no-untyped-def]
    body = {"kind": "surge", "scope": {"offices": ["KR0101"]}, "reason": "Peak season"}
    r = client.post("/api/v1/crisis/emergencies", json=body, headers=auth(client, "admin"))
    assert r.status_code == 422 and "/ends_at" in r.text
    r = _declare(client, ends_at=(utcnow() - timedelta(minutes=5)).isoformat())
    assert r.status_code == 422
    assert {(e["code"], e["pointer"]) for e in r.json()["errors"]} == {("crisis.emergency_expiry_past", "/ends_at")}
    r = _declare(client, scope={"offices": ["KR9999"]})
    assert [e["pointer"] for e in r.json()["errors"]] == ["/scope/offices/0"]
    assert client.get("/api/v1/crisis/emergencies", headers=auth(client, "admin")).json()["items"] == []


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_public_portal_announces_a_public_profile_until_it_is_lifted(client, lang):  # type: ignore[no-untyped-def]
    h = {"Accept-Language": lang}
    assert 'id="no-notices"' in client.get("/public/emergencies", headers=h).text
    profile = _declare(client).json()
    _declare(client, public=False, notice=None, reason="Internal only")
    page = client.get("/public/emergencies", headers=h)
    assert page.status_code == 200 and NOTICE[lang] in page.text
    assert page.text.count("data-profile=") == 1  # the internal profile is not announced
    assert 'href="/public/emergencies"' in client.get("/public/", headers=h).text
    client.post(f"/api/v1/crisis/emergencies/{profile['id']}/lift", headers=auth(client, "admin"))
    assert NOTICE[lang] not in client.get("/public/emergencies", headers=h).text


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_admin_declares_from_the_page_and_officers_read_it(client, lang):  # type: ignore[no-untyped-def]
    h = {"Accept-Language": lang}
    words = {"en": "Declare an emergency profile", "es": "Declarar un perfil de emergencia",
             "fr": "Déclarer un profil"}[lang]
    sign_in(client, "admin")
    page = client.get("/crisis", headers=h)
    assert page.status_code == 200 and words in page.text
    ends = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = client.post("/crisis/emergencies", headers=h, follow_redirects=False, data={
        "csrf": csrf_of(page.text), "kind": "surge", "offices": "KR0101", "reason": "Peak", "ends_at": ends})
    assert r.status_code == 303
    report = client.get(r.headers["location"], headers=h)
    assert report.status_code == 200 and {"en": "Active", "es": "Activo", "fr": "Actif"}[lang] in report.text
    bad = client.post("/crisis/emergencies", headers=h, data={"csrf": csrf_of(page.text), "kind": "surge",
                                                             "reason": "Peak", "ends_at": ends})
    assert bad.status_code == 422 and 'id="form-errors"' in bad.text
    client.cookies.clear()
    sign_in(client, "officer")
    page = client.get("/crisis", headers=h)
    assert page.status_code == 200 and words not in page.text and 'data-state="active"' in page.text
    client.cookies.clear()
    sign_in(client, "trader-a")
    assert client.get("/crisis", headers=h).status_code == 403
    client.cookies.clear()


def test_a_post_is_provisioned_and_reconciled_over_the_api(client, tmp_path):  # type: ignore[no-untyped-def]
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db, db.begin():
        own_key_rotate(db=db, actor="test", now=utcnow())
    admin = auth(client, "admin")
    issued = client.post("/api/v1/crisis/posts/KR0101/snapshot", headers=admin)
    assert issued.status_code == 200, issued.text
    engine = node_open(str(tmp_path / "post.db"))
    with Session(engine) as ndb, ndb.begin():
        key = node_provision(db=ndb, signed=issued.json()["signed"], post="KR0101", now=utcnow(),
                             centre_public_jwk=issued.json()["centre_public_jwk"])
    r = client.post("/api/v1/crisis/posts/KR0101/node", headers=admin,
                    json={"public_jwk": key, "snapshot_hash": issued.json()["signed"]["hash"]})
    assert r.status_code == 201
    with Session(engine) as ndb, ndb.begin():
        refs = [node_lodge(db=ndb, raw=document(), now=utcnow()).offline_ref for _ in range(3)]
        export = node_export(db=ndb, now=utcnow())
    r = client.post("/api/v1/crisis/posts/KR0101/reconcile", json=export, headers=auth(client, "officer"))
    assert r.status_code == 200, r.text
    assert r.json()["linked"] == 3 and set(r.json()["mrns"]) == set(refs)
    r = client.post("/api/v1/crisis/posts/KR0101/reconcile", json=export, headers=auth(client, "officer"))
    assert (r.json()["linked"], r.json()["already_linked"]) == (0, 3)
    export["body"]["declarations"][0]["doc"]["invoice_total"] = "1.00"  # altered after signing
    r = client.post("/api/v1/crisis/posts/KR0101/reconcile", json=export, headers=auth(client, "officer"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "crisis.export_signature"
    nodes = client.get("/api/v1/crisis/posts", headers=auth(client, "auditor")).json()["items"]
    assert nodes[0]["post"] == "KR0101" and nodes[0]["reconciled_at"] is not None
