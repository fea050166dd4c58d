"""Release and clearance as separate facts; detention and re-routing only with a reason, by the right officer."""

from __future__ import annotations

from tests.controls.flows import REVOLVERS, TOBACCO, claimed, lodge, set_examiner, status_of
from tests.factories import auth


def _decide(client, mrn, action, body=None, username="officer"):
    return client.post(f"/api/v1/controls/declarations/{mrn}/{action}", json=body or {"reason": "test decision"},
                       headers=auth(client, username))


def test_release_waits_for_the_open_control_and_names_it(client):
    mrn = lodge(client, TOBACCO)
    r = _decide(client, mrn, "release")
    assert r.status_code == 409 and [e["code"] for e in r.json()["errors"]] == ["hold.control.open"]
    blockers = client.get(f"/api/v1/controls/declarations/{mrn}/release-blockers", headers=auth(client, "trader-a"))
    assert blockers.status_code == 200 and blockers.json()["blockers"][0]["code"] == "hold.control.open"


def test_detention_holds_release_until_lifted(client):
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    assert _decide(client, mrn, "detain", {"reason": "suspected counterfeit"}).json()["status"] == "detained"
    r = client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer)
    assert r.status_code == 200 and r.json()["declaration_status"] == "detained"  # the hold stays
    assert [b["code"] for b in r.json()["blockers"]] == ["hold.control.detention"]
    assert _decide(client, mrn, "lift-detention", {"reason": "brand owner confirmed"}).json()["status"] == \
        "under_control"
    assert _decide(client, mrn, "release").json()["status"] == "released"


def test_clearance_comes_after_release_and_not_before(client):
    mrn = lodge(client, TOBACCO)
    assert _decide(client, mrn, "clear").json()["code"] == "clearance.not_released"
    task_id, officer = claimed(client, mrn)
    client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer)
    assert status_of(client, mrn) == "released"
    assert _decide(client, mrn, "clear").json()["status"] == "cleared"


def test_rerouting_needs_a_supervisor_and_is_recorded_with_its_reason(client):
    green = lodge(client)
    assert status_of(client, green) == "released"
    body = {"channel": "red", "reason": "intelligence: concealed cash"}
    assert _decide(client, green, "reroute", body).json()["code"] == "control.supervisor_required"
    set_examiner(client, "officer", supervisor=True)
    r = _decide(client, green, "reroute", body)
    assert r.status_code == 200 and (r.json()["status"], r.json()["channel"]) == ("under_control", "red")
    events = client.get(f"/api/v1/declarations/{green}/events", headers=auth(client, "trader-a")).json()["items"]
    assert events[-1]["kind"] == "rerouted" and "concealed cash" in events[-1]["reason"]
    red = lodge(client, REVOLVERS)
    r = _decide(client, red, "reroute", {"channel": "green", "reason": "authorised economic operator"})
    assert (r.json()["status"], r.json()["channel"]) == ("released", "green")


def test_a_trader_cannot_take_control_decisions(client):
    mrn = lodge(client, TOBACCO)
    for action in ("release", "detain", "clear"):
        assert _decide(client, mrn, action, username="trader-a").status_code == 403
