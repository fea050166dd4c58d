"""Automatic outcomes: a control that ends on a declaration an alert concerned reports its outcome (no hit, hit,
seizure) to the alert's originator without anyone typing it, once; the goods go after a no-hit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clearway.assembly import wiring_build
from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker, utcnow
from clearway.intelligence import feedback
from clearway.intelligence.models import IntelOutcome
from tests.controls.flows import REVOLVERS, TOBACCO, claimed, lodge, status_of
from tests.factories import auth
from tests.intelligence.helpers import create

pytestmark = pytest.mark.usefixtures("world")


def _pass() -> int:
    with get_sessionmaker()() as db, db.begin():
        return feedback.outcomes_from_controls(db=db, release=wiring_build().release, now=utcnow())


def _outcomes() -> list[tuple[str, bool, str]]:
    with get_sessionmaker()() as db:
        return [(o.outcome, o.automatic, o.recorded_by) for o in db.scalars(select(IntelOutcome).order_by(
            IntelOutcome.id))]


def test_a_documentary_check_without_findings_reports_no_hit_to_the_originator_and_the_goods_go(client):
    ref = create(marking="AMBER", subject_type="goods", subject_value="240220", hold_goods=True)
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    assert client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer).status_code == 200
    assert status_of(client, mrn) != "released"  # the alert still holds the goods: nobody reported on it yet
    assert _pass() == 1
    assert _outcomes() == [("no_hit", True, "system")]
    assert status_of(client, mrn) == "released"
    got = client.get(f"/api/v1/intelligence/alerts/{ref}", params={"purpose": "risk_targeting"},
                     headers=auth(client, "analyst")).json()
    assert [(o["mrn"], o["outcome"], o["recorded_by"]) for o in got["outcomes"]] == [(mrn, "no_hit", "system")]
    with get_sessionmaker()() as db:
        record = db.scalar(select(AuditRecord).where(AuditRecord.action == "intelligence.outcome_reported"))
        assert record.detail["automatic"] is True and record.detail["originator"] == "KRCUSTOMS"
    assert _pass() == 0 and len(_outcomes()) == 1  # once per control, however often the job runs


def test_a_seizure_at_inspection_reports_a_seizure_and_an_officers_own_outcome_is_kept(client):
    ref = create(marking="GREEN", subject_type="goods", subject_value="930200", hold_goods=True)
    other = create(marking="GREEN", subject_type="goods", subject_value="9302", hold_goods=True)
    mrn = lodge(client, REVOLVERS)
    r = client.post(f"/api/v1/intelligence/alerts/{other}/outcomes", params={"purpose": "control"},
                    json={"mrn": mrn, "outcome": "hit", "note": "seen on the scanner"}, headers=auth(client, "officer"))
    assert r.status_code == 201, r.text
    task_id, officer = claimed(client, mrn)
    base = f"/api/v1/controls/tasks/{task_id}"
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    client.post(base + "/inspection/schedule", json={"at": at, "place": "Shed 1"}, headers=officer)
    client.post(base + "/inspection/goods-available", headers=officer)
    client.post(base + "/inspection/start", headers=officer)
    finding = {"result": "discrepancy", "kind": "concealment", "seized_quantity": "12", "seized_unit": "NAR"}
    assert client.put(base + "/findings/0", json=finding, headers=officer).status_code == 200
    assert client.post(base + "/inspection/end", json={}, headers=officer).status_code == 200
    assert _pass() == 1
    assert _outcomes() == [("hit", False, "officer"), ("seizure", True, "system")]
    got = client.get(f"/api/v1/intelligence/alerts/{ref}", params={"purpose": "control"},
                     headers=auth(client, "officer")).json()
    assert [o["outcome"] for o in got["outcomes"]] == ["seizure"]
    assert status_of(client, mrn) == "under_control"  # a seizure releases nothing


def test_a_control_on_goods_no_alert_concerned_reports_nothing(client):
    create(marking="GREEN", subject_type="goods", subject_value="930200", hold_goods=True)
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer)
    assert _pass() == 0 and _outcomes() == []
    assert status_of(client, mrn) == "released"


def test_hit_rates_per_source_count_alerts_controls_and_finds_with_wilson_intervals_on_the_api_and_page(client):
    from tests.web.conftest import sign_in

    good = create(marking="GREEN", source_ref="LO-CN-04", subject_type="goods", subject_value="930200",
                  hold_goods=True)
    create(marking="GREEN", source_ref="LO-CN-04", subject_type="goods", subject_value="851713")  # nothing yet
    create(marking="RED", recipients=[], source_ref="HUMINT-11")  # the officer may not read it: not counted
    officer = auth(client, "officer")
    for outcome in ("seizure", "no_hit"):
        mrn = lodge(client, REVOLVERS)
        r = client.post(f"/api/v1/intelligence/alerts/{good}/outcomes", params={"purpose": "control"},
                        json={"mrn": mrn, "outcome": outcome}, headers=officer)
        assert r.status_code == 201, r.text
    rows = client.get("/api/v1/intelligence/hit-rates", params={"purpose": "control", "by": "source"},
                      headers=officer).json()["rows"]
    assert [(r["key"], r["alerts"], r["controlled"], r["finds"], r["rate"]) for r in rows] == [
        ("LO-CN-04", 2, 2, 1, 0.5)]
    assert 0.09 < rows[0]["low"] < 0.1 and 0.9 < rows[0]["high"] < 0.91  # Wilson, n = 2, p = 0.5
    analyst = client.get("/api/v1/intelligence/hit-rates", params={"purpose": "risk_targeting", "by": "originator"},
                         headers=auth(client, "analyst")).json()["rows"]
    assert [(r["key"], r["alerts"], r["finds"]) for r in analyst] == [("KRCUSTOMS", 3, 1)]  # its own RED counts
    assert client.get("/api/v1/intelligence/hit-rates", params={"purpose": "control"},
                      headers=auth(client, "trader-a")).status_code == 403
    for lang, words in (("en", "Find rate"), ("es", "Tasa de hallazgo"), ("fr", "Taux de découverte")):
        sign_in(client, "officer")
        page = client.get("/intelligence/hit-rates", params={"purpose": "control"}, headers={"Accept-Language": lang})
        assert page.status_code == 200 and words in page.text and "LO-CN-04" in page.text
        assert "HUMINT-11" not in page.text


def test_an_enhanced_control_made_from_an_alert_selects_goods_and_their_control_reports_back_to_it(client):
    from clearway.risk.engine.live import engine

    engine.snapshot, engine.bind, engine.checked = None, None, 0.0  # the rules of this test's database
    try:
        _enhanced_control_reports_back(client)
    finally:
        engine.snapshot, engine.bind = None, None


def _enhanced_control_reports_back(client) -> None:  # type: ignore[no-untyped-def]
    from clearway.intelligence import derived
    from clearway.intelligence.schemas import ConversionCreate
    from tests.intelligence.helpers import principals

    ref = create(marking="AMBER")  # holds nothing by itself: only its enhanced control selects goods
    with get_sessionmaker()() as db, db.begin():
        derived.alert_convert(db=db, actor=principals()["analyst"], reference=ref, now=utcnow(),
                              body=ConversionCreate(into="enhanced_control", channel="yellow", days=3))
    mrn = lodge(client)  # smartphones: green unless something selects them
    task_id, officer = claimed(client, mrn)
    assert client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer).status_code == 200
    assert _pass() == 1
    got = client.get(f"/api/v1/intelligence/alerts/{ref}", params={"purpose": "risk_targeting"},
                     headers=auth(client, "analyst")).json()
    assert [(o["mrn"], o["outcome"], o["recorded_by"]) for o in got["outcomes"]] == [(mrn, "no_hit", "system")]


def test_an_alert_raised_after_the_control_ended_gets_no_outcome_from_it(client):
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer)
    assert status_of(client, mrn) == "released"
    create(marking="GREEN", subject_type="goods", subject_value="240220", hold_goods=True, now=utcnow())
    assert _pass() == 0 and _outcomes() == []


def test_a_burst_of_controls_finishing_together_is_read_in_passes_without_stalling(client):
    create(marking="GREEN", subject_type="goods", subject_value="240220", hold_goods=True,
           now=utcnow() - timedelta(minutes=20))
    mrns = [lodge(client, TOBACCO) for _ in range(3)]
    for mrn in mrns:
        task_id, officer = claimed(client, mrn)
        client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer)
    with get_sessionmaker()() as db, db.begin():  # one task per pass: each pass moves on to the next one
        from clearway.controls.models import ControlTask

        same = utcnow() - timedelta(minutes=10)  # all finished at the same instant, long before the overlap
        for task in db.scalars(select(ControlTask)):
            task.finished_at = same
    for expected in (1, 1, 1, 0):
        with get_sessionmaker()() as db, db.begin():
            assert feedback.outcomes_from_controls(db=db, release=wiring_build().release, now=utcnow(),
                                                   limit=1) == expected
    assert [o[0] for o in _outcomes()] == ["no_hit"] * 3
    assert all(status_of(client, mrn) == "released" for mrn in mrns)


def test_a_control_selected_by_a_built_in_rule_is_read_without_failing_the_pass(client):
    """Default-profile rules hit with no rule id (the demo's worker failed every pass on them)."""
    from clearway.declarations.models import Declaration
    from clearway.risk.models import RiskDecision

    create(marking="AMBER", subject_type="goods", subject_value="240220", hold_goods=True)
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    assert client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer).status_code == 200
    with get_sessionmaker()() as db, db.begin():
        declaration_id = db.scalar(select(Declaration.id).where(Declaration.mrn == mrn))
        decision = db.scalar(select(RiskDecision).where(RiskDecision.declaration_id == declaration_id))
        if decision is None:  # the test world channels without the engine: record what the engine would have
            decision = RiskDecision(declaration_id=declaration_id, office="KR0101", direction="IM",
                                    declarant="KR1000000001", decided_at=utcnow(), channel="yellow", config_version=1)
            db.add(decision)
        decision.rule_hits = [{"rule_id": None, "code": "default.hs_sensitive"}]
        decision.watchlist_hits = [{"entry_id": None}]
    assert _pass() == 1
    assert _outcomes() == [("no_hit", True, "system")]
