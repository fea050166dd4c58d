"""The intelligence API: problem+json with stable codes and pointers, need-to-know on every read, exports as
the marking allows, and an alert that holds goods until an officer reports its outcome."""

from __future__ import annotations

from typing import Any

import pytest

from tests.controls.flows import lodge
from tests.factories import auth
from tests.intelligence.helpers import TEXT

pytestmark = pytest.mark.usefixtures("world")
BASE = "/api/v1/intelligence"
ALERT = {"subject_type": "trader", "subject_value": "kr1000000001", "text": TEXT, "source_ref": "HUMINT-7",
         "source_grade": "B", "info_grade": "2", "marking": "AMBER", "purposes": ["risk_targeting", "control"],
         "recipients": ["org:KRMFDS"]}


def _create(client: Any, who: str = "analyst", **overrides: Any) -> Any:
    return client.post(f"{BASE}/alerts", json={**ALERT, **overrides}, headers=auth(client, who))


def test_bad_markings_and_recipients_are_problems_pointing_at_their_field(client):
    r = _create(client, marking="TLP:WHITE", recipients=["org:KRMFDS", "user:ghost"])
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    # The marking is refused before anybody is looked up: one problem, at /marking.
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("intelligence.marking_unknown", "/marking")]
    r = _create(client, recipients=["org:KRMFDS", "user:ghost"])
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("intelligence.recipient_unknown",
                                                                         "/recipients/1")]
    r = _create(client, subject_type="person", hold_goods=True)
    assert r.json()["code"] == "intelligence.hold_subject_not_matchable"
    assert client.get(f"{BASE}/alerts", headers=auth(client, "analyst")).status_code == 422  # no purpose stated
    assert client.get(f"{BASE}/alerts", params={"purpose": "control"},
                      headers=auth(client, "analyst")).json()["items"] == []  # nothing was stored


def test_a_reader_sees_the_text_others_get_a_404_and_lists_never_show_it(client):
    r = _create(client)
    assert r.status_code == 201, r.text
    created = r.json()
    ref = created["reference"]
    assert created["subject_value"] == "KR1000000001" and created["may"] == {"forward": True, "export": True,
                                                                               "print": True}
    got = client.get(f"{BASE}/alerts/{ref}", params={"purpose": "control"}, headers=auth(client, "agency"))
    assert got.status_code == 200 and got.json()["text"] == TEXT
    for who in ("trader-a", "auditor"):
        r = client.get(f"{BASE}/alerts/{ref}", params={"purpose": "control"}, headers=auth(client, who))
        assert r.status_code == 404 and r.json()["code"] == "intelligence.alert_unknown" and TEXT not in r.text
    listed = client.get(f"{BASE}/alerts", params={"purpose": "control"}, headers=auth(client, "agency")).json()
    assert [a["reference"] for a in listed["items"]] == [ref] and TEXT not in str(listed)
    assert client.get(f"{BASE}/alerts", params={"purpose": "control"},
                      headers=auth(client, "trader-a")).json()["code"] == "intelligence.no_need_to_know"


def test_exports_follow_the_marking_and_are_files(client):
    ref = _create(client, marking="AMBER+STRICT").json()["reference"]
    own = client.get(f"{BASE}/alerts/{ref}/export", params={"purpose": "control"}, headers=auth(client, "officer"))
    assert own.status_code == 200 and own.headers["content-disposition"] == f'attachment; filename="{ref}.json"'
    r = client.get(f"{BASE}/alerts/{ref}/export", params={"purpose": "control"}, headers=auth(client, "agency"))
    assert r.status_code == 403 and r.json()["code"] == "intelligence.strict_export_originator_only"
    # The originator consents to MFDS exporting it: then it may.
    assert client.post(f"{BASE}/alerts/{ref}/consents", json={"action": "export", "key": "org:KRMFDS"},
                       headers=auth(client, "analyst")).status_code == 201
    assert client.get(f"{BASE}/alerts/{ref}/export", params={"purpose": "control"},
                      headers=auth(client, "agency")).status_code == 200


def test_an_alert_holds_matching_goods_and_the_officers_outcome_releases_them(client):
    ref = _create(client, hold_goods=True).json()["reference"]
    mrn = lodge(client)
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "officer")).json()
    intel = [h for h in holds["holds"] if h["code"] == "intelligence.alert"]
    assert intel and intel[0]["params"] == {"alert": ref, "marking": "AMBER"} and TEXT not in str(holds)
    # The release is refused while the alert holds the goods, with the hold in the problem.
    r = client.post(f"/api/v1/declarations/{mrn}/decisions", json={"to": "released", "reason": "try"},
                    headers=auth(client, "officer"))
    assert r.status_code == 409 and "hold.intelligence.alert" in [e["code"] for e in r.json()["errors"]]
    r = client.post(f"{BASE}/alerts/{ref}/outcomes", params={"purpose": "control"},
                    json={"mrn": mrn, "outcome": "no_hit"}, headers=auth(client, "agency"))
    assert r.status_code == 403  # an agency reads the alert but reports no customs outcome
    r = client.post(f"{BASE}/alerts/{ref}/outcomes", params={"purpose": "control"},
                    json={"mrn": mrn, "outcome": "no_hit", "note": "nothing found"}, headers=auth(client, "officer"))
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-a")).json()["status"] == "released"
    back = client.get(f"{BASE}/alerts/{ref}", params={"purpose": "risk_targeting"}, headers=auth(client, "analyst"))
    assert [(o["mrn"], o["outcome"]) for o in back.json()["outcomes"]] == [(mrn, "no_hit")]


def test_passing_on_is_all_or_nothing_and_acknowledged_by_the_recipient(client):
    ref = _create(client, marking="GREEN", recipients=[]).json()["reference"]
    r = client.post(f"{BASE}/alerts/{ref}/recipients", params={"purpose": "control"},
                    json={"recipients": ["org:KRMFDS", "org:KR1000000002"]}, headers=auth(client, "officer"))
    assert r.status_code == 403 and [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [
        ("intelligence.recipient_outside_community", "/recipients/1")]
    assert client.post(f"{BASE}/alerts/{ref}/acknowledgement", params={"purpose": "control"},
                       headers=auth(client, "agency")).json()["code"] == "intelligence.not_a_recipient"
    r = client.post(f"{BASE}/alerts/{ref}/recipients", params={"purpose": "control"},
                    json={"recipients": ["org:KRMFDS"]}, headers=auth(client, "officer"))
    assert r.status_code == 200 and [x["key"] for x in r.json()["recipients"]] == ["org:KRMFDS"]
    r = client.post(f"{BASE}/alerts/{ref}/acknowledgement", params={"purpose": "control"},
                    headers=auth(client, "agency"))
    assert r.status_code == 200 and r.json()["recipients"][0]["acknowledged_by"] == "agency"


def test_only_the_originator_withdraws_and_a_withdrawn_alert_holds_nothing(client):
    ref = _create(client, marking="GREEN", hold_goods=True).json()["reference"]
    mrn = lodge(client)
    assert client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "officer")).json()["holds"]
    for who in ("officer", "agency"):  # they read it; reading is not withdrawing
        r = client.post(f"{BASE}/alerts/{ref}/withdrawal", params={"purpose": "control"}, headers=auth(client, who))
        assert r.status_code == 403 and r.json()["code"] == "intelligence.not_the_originator", who
    r = client.post(f"{BASE}/alerts/{ref}/withdrawal", params={"purpose": "control"}, headers=auth(client, "analyst"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "officer")).json()["holds"] == []
    r = client.post(f"{BASE}/alerts/{ref}/actions", params={"purpose": "control"},
                    json={"target": "declaration", "mrn": mrn}, headers=auth(client, "officer"))
    assert r.status_code == 409 and r.json()["code"] == "intelligence.alert_not_open"
