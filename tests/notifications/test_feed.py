"""What traders are told, and the pull feed: numbered per organisation, readable again, never skipping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.controls.flows import REVOLVERS, TOBACCO, claimed, lodge
from tests.factories import auth, job_context, lodge_direct
from tests.notifications.conftest import pump


def _feed(client, username="trader-a", after=0):
    r = client.get(f"/api/v1/notifications?after={after}", headers=auth(client, username))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_lodgement_tells_its_trader_accepted_channel_and_release_in_order(client):
    (mrn,) = lodge_direct("trader-a", 1)
    lodge_direct("trader-b", 1)
    pump()
    page = _feed(client)
    assert [(n["seq"], n["type"]) for n in page["items"]] == [
        (1, "declaration.accepted"), (2, "declaration.channelled"), (3, "declaration.released")]
    assert {n["data"]["mrn"] for n in page["items"]} == {mrn} and page["items"][1]["data"]["channel"] == "green"
    assert page["last_seq"] == 3 and page["next_after"] == 3
    assert [n["data"]["seq"] for n in _feed(client, "trader-b")["items"]] == [1, 2, 3]


def test_the_feed_resumes_after_a_sequence_number_and_reads_again(client):
    lodge_direct("trader-a", 2)
    pump()
    assert [n["seq"] for n in _feed(client, after=4)["items"]] == [5, 6]
    assert _feed(client, after=6)["items"] == []
    assert [n["seq"] for n in _feed(client)["items"]] == [1, 2, 3, 4, 5, 6]  # read again at will


def test_control_steps_reach_the_trader(client):
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    due = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    client.post(f"/api/v1/controls/tasks/{task_id}/document-requests",
                json={"documents": [{"code": "N935", "description": "Invoice"}], "due_at": due}, headers=officer)
    client.post(f"/api/v1/controls/declarations/{mrn}/detain", json={"reason": "suspected counterfeit"},
                headers=officer)
    red = lodge(client, REVOLVERS)
    red_task, _ = claimed(client, red)
    at = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    client.post(f"/api/v1/controls/tasks/{red_task}/inspection/schedule", json={"at": at, "place": "Shed 4"},
                headers=officer)
    pump()
    types = [n["type"] for n in _feed(client)["items"]]
    assert types == ["declaration.accepted", "declaration.channelled", "declaration.under_control",
                     "control.documents_requested", "declaration.detained",
                     "declaration.accepted", "declaration.channelled", "declaration.under_control",
                     "control.inspection_scheduled"]
    scheduled = _feed(client)["items"][-1]["data"]
    assert scheduled["mrn"] == red and "Shed 4" in scheduled["reason"]


def test_duty_to_pay_release_and_clearance_are_notified(client):
    red = lodge(client, REVOLVERS)
    task_id, officer = claimed(client, red)
    base = f"/api/v1/controls/tasks/{task_id}"
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    client.post(base + "/inspection/schedule", json={"at": at, "place": "Shed 1"}, headers=officer)
    client.post(base + "/inspection/goods-available", headers=officer)
    client.post(base + "/inspection/start", headers=officer)
    client.put(base + "/findings/0", json={"result": "discrepancy", "kind": "value",
                                           "corrected": {"value": "15000"}}, headers=officer)
    client.post(base + "/inspection/end", json={}, headers=officer)
    client.post(f"/api/v1/controls/declarations/{red}/clear", json={"reason": "duties final"}, headers=officer)
    pump()
    types = [n["type"] for n in _feed(client)["items"]][3:]
    assert types == ["control.inspection_scheduled", "control.finished", "duty.to_pay", "declaration.released",
                     "declaration.cleared"]


def test_a_rejected_bulk_row_is_notified_through_the_outbox(client, db):
    from clearway.db import utcnow
    from clearway.notifications.service import notification_emit

    with db.begin():
        notification_emit(db=db, organisation="KR1000000001", kind="declaration.rejected",
                          data={"lrn": "BULK-7", "errors": [{"code": "hs_code.unknown", "pointer": "/items/0"}]},
                          now=utcnow())
    pump()
    (item,) = _feed(client)["items"]
    assert item["type"] == "declaration.rejected" and item["data"]["lrn"] == "BULK-7" and item["data"]["seq"] == 1


def test_the_relay_waits_at_a_gap_then_steps_over_and_still_relays_a_late_commit(client, db):
    from sqlalchemy import insert

    from clearway.declarations.models import DeclarationEvent
    from clearway.notifications.jobs import relay

    lodge_direct("trader-a", 1)  # events 1-5
    relay(job_context())
    base = {"declaration_id": 1, "from_status": "released", "to_status": "released", "actor": "x", "actor_org": "x",
            "version": 1, "kind": "amended", "reason": "late"}
    with db.begin():  # event 7 is visible while 6 is "still committing"
        db.execute(insert(DeclarationEvent), [{**base, "id": 7, "at": datetime.now(UTC), "reason": "seven"}])
    relay(job_context())  # first sight of the gap: wait
    assert [n["data"]["reason"] for n in _feed(client)["items"]][3:] == []
    relay(job_context())  # the wait (0 s in tests) is over: step over 6, relay 7
    assert [n["data"]["reason"] for n in _feed(client)["items"]][3:] == ["seven"]
    with db.begin():
        db.execute(insert(DeclarationEvent), [{**base, "id": 6, "at": datetime.now(UTC), "reason": "six"}])
    relay(job_context())
    assert [n["data"]["reason"] for n in _feed(client)["items"]][3:] == ["seven", "six"]
    assert [n["seq"] for n in _feed(client)["items"]] == [1, 2, 3, 4, 5]
