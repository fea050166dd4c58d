"""The training API: instructors define exercises and project tests into the live queue; officers work their
queue and read their own scores; everyone else is refused."""

from __future__ import annotations

from sqlalchemy import select

from clearway.training.models import TrainingCase
from tests.factories import auth
from tests.training.helpers import fresh, small_world

API = "/api/v1/training"


def _supervisor(client) -> None:
    r = client.put("/api/v1/controls/examiners/officer", json={"sections": [], "supervisor": True},
                   headers=auth(client, "admin"))
    assert r.status_code == 200, r.text


def _exercise(client, db, size: int = 6, frauds: int = 2, budget: int = 2) -> dict:
    small_world(db)
    r = client.post(f"{API}/exercises", headers=auth(client, "admin"), json={
        "cohort": "c1", "title": "Targeting", "budget": budget, "size": size, "frauds": frauds})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_officer_works_the_queue_hands_in_and_the_instructor_reads_the_report(client, db):
    made = _exercise(client, db)
    assert all(i["truth"] is not None for i in made["items"])  # the instructor sees the key
    officer = auth(client, "officer")
    listed = client.get(f"{API}/exercises", headers=officer).json()["items"]
    assert [e["id"] for e in listed] == [made["id"]] and listed[0]["items"] == []
    queue = client.get(f"{API}/exercises/{made['id']}", headers=officer).json()["items"]
    assert len(queue) == 6 and all(i["truth"] is None for i in queue)
    fraudulent = {i["reference"] for i in made["items"] if i["truth"]["fraud"]}
    for item in queue:
        opened = client.post(f"{API}/exercises/{made['id']}/items/{item['id']}/open", headers=officer)
        assert opened.status_code == 200 and opened.json()["document"]["items"]
        decision = "flag" if item["reference"] in fraudulent else "clear"
        r = client.put(f"{API}/exercises/{made['id']}/items/{item['id']}/decision", headers=officer,
                       json={"decision": decision})
        assert r.status_code == 200 and r.json()["decision"] == decision and r.json()["truth"] is None
    score = client.post(f"{API}/exercises/{made['id']}/finish", headers=officer).json()
    assert (score["hits"], score["misses"], score["false_alarms"], score["finished"]) == (2, 0, 0, True)
    report = client.get(f"{API}/exercises/{made['id']}/report", headers=auth(client, "admin")).json()["items"]
    assert [(s["trainee"], s["hits"]) for s in report] == [("officer", 2)]
    mine = client.get(f"{API}/me", headers=officer).json()
    assert mine["exercises"][0]["hits"] == 2 and mine["projections"] is None


def test_a_flag_over_budget_is_a_409_and_a_bad_body_points_at_its_field(client, db):
    made = _exercise(client, db, budget=0)
    officer = auth(client, "officer")
    item = made["items"][0]["id"]
    r = client.put(f"{API}/exercises/{made['id']}/items/{item}/decision", headers=officer, json={"decision": "flag"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "training.budget_spent"
    r = client.put(f"{API}/exercises/{made['id']}/items/{item}/decision", headers=officer,
                   json={"decision": "flag", "suspected": "smuggling"})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/suspected"
    r = client.post(f"{API}/exercises", headers=auth(client, "admin"), json={
        "cohort": "nobody", "title": "x", "budget": 1, "size": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/cohort"


def test_only_supervisors_and_admins_instruct_and_only_officers_and_analysts_train(client, db):
    made = _exercise(client, db)
    officer = auth(client, "officer")  # not a supervisor yet
    assert client.get(f"{API}/exercises/{made['id']}/report", headers=officer).status_code == 403
    assert client.post(f"{API}/projections", headers=officer, json={"case": "TRN-1-1", "officer": "officer"}
                       ).status_code == 403
    _supervisor(client)
    assert client.get(f"{API}/exercises/{made['id']}/report", headers=officer).status_code == 200
    for role in ("trader-a", "agency", "auditor"):
        assert client.get(f"{API}/exercises", headers=auth(client, role)).status_code == 403, role
    analyst = auth(client, "analyst")  # trains: lists the open exercises and works one, never instructs
    assert [e["id"] for e in client.get(f"{API}/exercises", headers=analyst).json()["items"]] == [made["id"]]
    assert client.get(f"{API}/exercises/{made['id']}/report", headers=analyst).status_code == 403
    assert client.post(f"{API}/exercises/{made['id']}/finish", headers=analyst).json()["trainee"] == "analyst"
    assert client.get(f"{API}/me", headers=auth(client, "admin")).status_code == 403
    assert client.get(f"{API}/exercises", headers={}).status_code == 401


def test_a_projection_through_the_api_is_held_and_scored_once_decided(client, db):
    small_world(db)
    reference = db.scalar(select(TrainingCase.reference).where(TrainingCase.fraud_kind.is_not(None)))
    fresh(db)
    admin = auth(client, "admin")
    r = client.post(f"{API}/projections", headers=admin, json={"case": reference, "officer": "officer"})
    assert r.status_code == 201, r.text
    projected = r.json()
    assert projected["test"] is True and projected["fraud_kind"] is None and projected["outcome"] is None
    officer = auth(client, "officer")
    holds = client.get(f"/api/v1/declarations/{projected['mrn']}/holds", headers=officer).json()
    assert [h["code"] for h in holds["holds"]] == ["control.open"]  # what any declaration under a check shows
    released = client.post(f"/api/v1/controls/declarations/{projected['mrn']}/release", headers=officer,
                           json={"reason": "try"})
    assert released.status_code == 409
    task = next(t for t in client.get("/api/v1/controls/queue", headers=officer).json()["items"]
                if t["mrn"] == projected["mrn"])
    assert client.post(f"/api/v1/controls/tasks/{task['id']}/claim", headers=officer).status_code == 200
    assert client.post(f"/api/v1/controls/tasks/{task['id']}/escalate", headers=officer,
                       json={"reason": "value looks low"}).status_code == 200
    (seen,) = client.get(f"{API}/projections", headers=admin).json()["items"]
    assert seen["outcome"] == "hit" and seen["fraud_kind"]
    scores = client.get(f"{API}/projections/scores", headers=admin).json()
    assert scores["items"][0]["hits"] == 1 and scores["items"][0]["detection_ci"]
    assert client.get(f"{API}/me", headers=officer).json()["projections"]["hits"] == 1
    assert client.get(f"/api/v1/declarations/{projected['mrn']}", headers=officer).json()["status"] == "cancelled"
