"""The office queue: what is waiting, in what order, who takes it, and who may reassign it."""

from __future__ import annotations

from tests.controls.flows import REVOLVERS, TOBACCO, add_officer, claimed, lodge, queue, set_examiner, task_of
from tests.factories import auth


def test_yellow_and_red_lodgements_wait_in_the_queue_riskiest_first_with_their_reasons(client):
    yellow = lodge(client, TOBACCO)
    red = lodge(client, REVOLVERS)
    lodge(client)  # green: released at once, never queued
    items = queue(client)
    assert [i["mrn"] for i in items] == [red, yellow]
    assert [i["kind"] for i in items] == ["physical", "documentary"]
    assert "arms and ammunition" in items[0]["reasons"][0]["text"]
    assert items[0]["section"] == "XIX" and items[1]["section"] == "IV"


def test_same_risk_waits_in_lodgement_order_and_pages_follow_the_cursor(client):
    mrns = [lodge(client, TOBACCO) for _ in range(5)]
    first = client.get("/api/v1/controls/queue?limit=3", headers=auth(client, "officer")).json()
    second = client.get(f"/api/v1/controls/queue?limit=3&cursor={first['next_cursor']}",
                        headers=auth(client, "officer")).json()
    assert [i["mrn"] for i in first["items"] + second["items"]] == mrns
    assert second["next_cursor"] is None


def test_an_officer_of_another_office_sees_nothing(client):
    lodge(client, TOBACCO)
    add_officer("busan", office="KR0201")
    assert queue(client, "busan") == []


def test_a_claimed_task_cannot_be_claimed_by_another_officer(client):
    mrn = lodge(client, TOBACCO)
    add_officer("officer-2")
    task_id, _ = claimed(client, mrn)
    r = client.post(f"/api/v1/controls/tasks/{task_id}/claim", headers=auth(client, "officer-2"))
    assert r.status_code == 409 and r.json()["code"] == "control.task_taken"


def test_claim_next_takes_the_most_urgent_task_then_says_nothing_is_left(client):
    lodge(client, TOBACCO)
    red = lodge(client, REVOLVERS)
    headers = auth(client, "officer")
    r = client.post("/api/v1/controls/queue/next", headers=headers)
    assert r.status_code == 200 and r.json()["mrn"] == red and r.json()["assignee"] == "officer"
    assert client.post("/api/v1/controls/queue/next", headers=headers).status_code == 200
    assert client.post("/api/v1/controls/queue/next", headers=headers).status_code == 204


def test_automatic_assignment_balances_by_section_and_weight(client):
    for name in ("tobacco-expert", "arms-expert"):
        add_officer(name)
    set_examiner(client, "officer", supervisor=True)
    set_examiner(client, "tobacco-expert", sections=["IV"])
    set_examiner(client, "arms-expert", sections=["XIX"])
    tobacco = [lodge(client, TOBACCO) for _ in range(2)]
    arms = lodge(client, REVOLVERS)
    r = client.post("/api/v1/controls/assignments", headers=auth(client, "officer"))
    assert r.status_code == 200 and r.json()["unassigned_tasks"] == 0
    assert {task_of(client, m)["assignee"] for m in tobacco} == {"tobacco-expert"}
    assert task_of(client, arms)["assignee"] == "arms-expert"
    load = client.get("/api/v1/controls/workload", headers=auth(client, "officer")).json()
    weights = {e["username"]: (e["tasks"], e["weight"]) for e in load["examiners"]}
    assert weights["tobacco-expert"] == (2, "2.2") and weights["arms-expert"] == (1, "3.5")


def test_only_a_supervisor_reassigns_and_it_is_audited(client, db):
    from sqlalchemy import select

    from clearway.audit.models import AuditRecord

    add_officer("officer-2")
    mrn = lodge(client, TOBACCO)
    task_id = task_of(client, mrn)["id"]
    body = {"username": "officer-2", "reason": "officer is on leave"}
    r = client.post(f"/api/v1/controls/tasks/{task_id}/assign", json=body, headers=auth(client, "officer"))
    assert r.status_code == 403 and r.json()["code"] == "control.supervisor_required"
    set_examiner(client, "officer", supervisor=True)
    set_examiner(client, "officer-2")
    r = client.post(f"/api/v1/controls/tasks/{task_id}/assign", json=body, headers=auth(client, "officer"))
    assert r.status_code == 200 and r.json()["assignee"] == "officer-2"
    with db.begin():
        audited = db.scalar(select(AuditRecord).where(AuditRecord.action == "control.reassigned"))
    assert audited is not None and audited.detail["reason"] == "officer is on leave"
