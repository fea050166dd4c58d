"""The intelligence demo: alerts in every marking from the demo's own users, one with its outcome reported, one
whose feedback is overdue (the job raises its tasks for their owners only)."""

from __future__ import annotations

import time

import pytest

from tests.enforcement.test_api import history
from tests.factories import auth
from tests.intelligence.helpers import fiu
from tests.web.conftest import sign_in

pytestmark = pytest.mark.usefixtures("world")


def _seen(client, who: str, purpose: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/intelligence/alerts", params={"purpose": purpose}, headers=auth(client, who))
    assert r.status_code == 200, r.text
    return {a["marking"]: a["reference"] for a in r.json()["items"]}


def test_the_demo_seeds_alerts_each_reader_sees_as_its_marking_allows_and_one_outcome(client):
    from clearway.assembly import wiring_build
    from clearway.db import get_sessionmaker, utcnow
    from clearway.intelligence.demo import intelligence_demo_seed

    history(days=10, per_day=4)
    fiu()
    with get_sessionmaker()() as db, db.begin():
        start = time.perf_counter()
        assert intelligence_demo_seed(db=db, now=utcnow(), release=wiring_build().release) == 5
        assert time.perf_counter() - start < 5
    assert set(_seen(client, "analyst", "control")) == {"AMBER", "GREEN", "RED", "AMBER+STRICT"}
    assert set(_seen(client, "officer", "control")) == {"AMBER", "GREEN", "AMBER+STRICT"}  # RED: the FIU only
    assert set(_seen(client, "fiu", "investigation")) == {"RED"}
    assert set(_seen(client, "agency", "control")) == {"AMBER", "GREEN", "AMBER+STRICT"}  # its own report too
    amber = _seen(client, "analyst", "risk_targeting")["AMBER"]
    read = client.get(f"/api/v1/intelligence/alerts/{amber}", params={"purpose": "risk_targeting"},
                      headers=auth(client, "analyst")).json()
    assert [o["outcome"] for o in read["outcomes"]] == ["hit"] and read["outcomes"][0]["recorded_by"] == "officer"
    assert client.get(f"/api/v1/intelligence/alerts/{amber}", params={"purpose": "control"},
                      headers=auth(client, "trader-a")).status_code == 404


def _tasks(client, who: str, purpose: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/intelligence/feedback-tasks", params={"purpose": purpose}, headers=auth(client, who))
    assert r.status_code == 200, r.text
    return [(k["reference"], k["role"]) for k in r.json()["items"]]


@pytest.mark.parametrize("days", [14, 30])
def test_the_demo_shows_an_overdue_feedback_task_to_its_owners_once_the_job_has_run(client, monkeypatch, days):
    from clearway.assembly import wiring_build
    from clearway.db import get_sessionmaker, utcnow
    from clearway.intelligence import jobs
    from clearway.intelligence.demo import intelligence_demo_seed
    from clearway.intelligence.settings import intelligence_settings
    from clearway.worker import JobContext

    history(days=10, per_day=4)
    fiu()
    monkeypatch.setenv("CLEARWAY_INTELLIGENCE_FEEDBACK_DAYS", str(days))
    intelligence_settings.cache_clear()
    try:
        with get_sessionmaker()() as db, db.begin():
            intelligence_demo_seed(db=db, now=utcnow(), release=wiring_build().release)
        assert _tasks(client, "agency", "control") == []  # nothing until the job has looked
        assert jobs.overdue_pass(JobContext(sessions=get_sessionmaker(), wiring=wiring_build())) == 2
    finally:
        intelligence_settings.cache_clear()
    ((late, role),) = _tasks(client, "agency", "control")  # the MFDS owes the outcome...
    assert role == "recipient"
    assert _tasks(client, "analyst", "risk_targeting") == [(late, "originator")]  # ...the analyst follows it up
    assert _tasks(client, "officer", "control") == [] and _tasks(client, "fiu", "investigation") == []
    read = client.get(f"/api/v1/intelligence/alerts/{late}", params={"purpose": "control"},
                      headers=auth(client, "agency")).json()
    assert read["marking"] == "GREEN" and read["outcomes"] == []
    sign_in(client, "agency")
    inbox = client.get("/intelligence?purpose=control", headers={"Accept-Language": "en"}).text
    overdue = inbox.split('id="overdue"', 1)[1].split("</ul>", 1)[0]
    assert late in overdue and 'data-role="recipient"' in overdue and "(7 " in overdue  # a week late
    client.cookies.clear()
    sign_in(client, "officer")
    assert 'id="overdue"' not in client.get("/intelligence?purpose=control").text
