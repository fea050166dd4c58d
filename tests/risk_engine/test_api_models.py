"""The model in the engine: records, scoring, registry, thresholds, explanations on lodged declarations;
selection settings, test-runs and drift."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from clearway.db import utcnow
from clearway.declarations.schemas import EXAMPLE
from clearway.risk.ml.inputs import model_records
from clearway.risk.ml.predict import score_one
from clearway.risk.ml.scoring import bundle_load, bundle_path, slot_load
from tests.factories import auth, worker_test_runs
from tests.risk_engine.conftest import NORMAL, UNDERVALUED, ids_of, lodge_at, priced

AT = datetime(2026, 3, 10, 9, tzinfo=UTC)
SETTING = {"red_share": "0.2", "yellow_share": "0.3", "random_rate": "0.01", "aeo_random_rate": "0.005",
           "aeo_factor": "0.5", "random_channel": "red"}


def test_a_document_becomes_one_canonical_record_per_item():
    doc = copy.deepcopy(EXAMPLE)
    doc["items"].append({**doc["items"][0], "hs_code": "847130", "preference": "KORUS", "origin_proof": "C/O 1"})
    first, second = model_records(doc, declarant="KR1000000001", lodged_at=AT, reference="L1", valuation=None,
                                  rate=None)
    assert first["item_no"] == 1 and second["item_no"] == 2
    assert (first["importer_id"], first["seller_id"], first["departure_country"]) == (
        "KR1000000001", "Shenzhen Bright Electronics Ltd", "CN")
    assert (second["duty_type"], second["origin_indicator"], second["duty_rate"]) == ("KORUS", "Y", None)


def test_several_items_score_exactly_as_one_by_one(models_env):
    slot = slot_load(1, "v", "small")
    assert slot is not None
    doc = copy.deepcopy(EXAMPLE)
    doc["items"] = [{**doc["items"][0], "value": str(v), "net_mass_kg": "40"} for v in (12000, 150, 9000)]
    records = model_records(doc, declarant="KR1000000001", lodged_at=AT, reference="L1", valuation=None, rate=None)
    singles = [score_one(r, slot.bundle).score for r in records]
    best, at = slot.score(records)
    assert best == pytest.approx(max(singles), rel=1e-12) and at == singles.index(max(singles))
    assert slot.explain(records[at])[0]["text"]


def test_bundles_load_once_and_only_from_inside_the_models_directory(models_env):
    assert bundle_load("small") is bundle_load("./small")
    assert bundle_path("../elsewhere") is None
    assert slot_load(2, "v", "missing") is None  # logged, never raised: lodging goes on without it


def _register(client, headers) -> dict:
    r = client.post("/api/v1/risk/models", json={"path": "small"}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_registry_moves_registered_shadow_promoted_one_promoted_at_a_time(client, models_env):
    analyst = auth(client, "analyst")
    model = _register(client, analyst)
    assert model["status"] == "registered" and model["metrics"]["rates"][0]["rate"] == 0.01
    assert model["top_features"] and 0 < model["top_features"][0]["share"] <= 1
    assert client.post("/api/v1/risk/models", json={"path": "small"}, headers=analyst).status_code == 409
    mid = model["id"]
    early = client.post(f"/api/v1/risk/models/{mid}/promote", headers=analyst)
    assert early.status_code == 409 and early.json()["code"] == "risk.model_transition"
    assert client.post(f"/api/v1/risk/models/{mid}/shadow", headers=analyst).json()["status"] == "shadow"
    assert client.post(f"/api/v1/risk/models/{mid}/promote", headers=analyst).json()["status"] == "promoted"
    assert [m["status"] for m in client.get("/api/v1/risk/models", headers=auth(client, "auditor")).json()["items"]] \
        == ["promoted"]


def test_a_bundle_outside_the_models_directory_is_refused(client, models_env):
    r = client.post("/api/v1/risk/models", json={"path": "../../etc"}, headers=auth(client, "analyst"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "risk.model_path_outside"


def test_a_shadow_model_scores_without_choosing_the_channel(client, models_env):
    analyst = auth(client, "analyst")
    mid = _register(client, analyst)["id"]
    client.post(f"/api/v1/risk/models/{mid}/shadow", headers=analyst)
    doc = priced(UNDERVALUED)
    lodged = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a")).json()
    decision = client.get(f"/api/v1/risk/decisions/{lodged['mrn']}", headers=auth(client, "officer")).json()
    assert lodged["channel"] == "green" and decision["score"] is None
    assert decision["shadow_version"] and 0 <= decision["shadow_score"] <= 1


def test_promotion_derives_thresholds_and_lodged_declarations_carry_the_model_explanation(client, models_env):
    now = utcnow()
    lodge_at("trader-b", [(now - timedelta(days=d, hours=1), UNDERVALUED if d % 3 == 0 else NORMAL)
                          for d in range(1, 25)])
    analyst = auth(client, "analyst")
    saved = client.put("/api/v1/risk/selection/*/IM", json=SETTING, headers=analyst)
    assert saved.status_code == 200 and saved.json()["thresholds"] == {}  # no model yet: it only scores
    mid = _register(client, analyst)["id"]
    client.post(f"/api/v1/risk/models/{mid}/shadow", headers=analyst)
    client.post(f"/api/v1/risk/models/{mid}/promote", headers=analyst)
    (setting,) = client.get("/api/v1/risk/selection", headers=auth(client, "officer")).json()["items"]
    limits = setting["thresholds"]
    assert limits["declarations"] == 24 and limits["model_red_share"] == 0.19 and limits["red"] is not None
    doc = priced(UNDERVALUED)
    lodged = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a")).json()
    decision = client.get(f"/api/v1/risk/decisions/{lodged['mrn']}", headers=auth(client, "officer")).json()
    assert decision["model_version"] and decision["score"] >= limits["red"]
    assert lodged["channel"] == "red" and decision["sources"] == ["model"]
    assert decision["contributions"] and all(c["text"] and c["contribution"] > 0 for c in decision["contributions"])
    page = client.get(f"/declarations/{lodged['mrn']}", headers=auth(client, "officer")).text
    assert decision["contributions"][0]["text"] in page.replace("&#39;", "'")


def test_a_test_run_counts_hits_and_uses_control_outcomes(client, fake_controls):
    now = utcnow()
    history = [(now - timedelta(days=d, hours=2), UNDERVALUED if d % 2 else NORMAL) for d in range(1, 21)]
    mrns = lodge_at("trader-b", history)
    ids = ids_of(mrns)
    # Controls looked at the first six: three undervalued (two irregular) and three normal ones (in order).
    for i, (declaration_id, (_, item)) in enumerate(zip(ids, history, strict=True)):
        if i < 6:
            hit = item is UNDERVALUED and i != 4
            fake_controls[declaration_id] = {"fraud_found": hit, "revenue_raised": "150.50" if hit else "0"}
    analyst = auth(client, "analyst")
    rule = client.post("/api/v1/risk/rules", json={
        "name": "cheap", "channel": "yellow", "reason": "Undervalued", "expression": "item.value < 1000"},
        headers=analyst).json()
    run = client.post(f"/api/v1/risk/rules/{rule['id']}/test-run", json={}, headers=analyst)
    assert run.status_code == 202, run.text
    queued = run.json()
    assert queued["status"] == "queued" and queued["result"] is None
    assert run.headers["location"] == f"/api/v1/risk/test-runs/{queued['id']}" and run.headers["retry-after"]
    # The request only queued it: nothing is replayed until the worker runs.
    assert client.get(run.headers["location"], headers=analyst).json()["status"] == "queued"
    assert worker_test_runs() == 1
    done = client.get(run.headers["location"], headers=analyst)
    assert done.status_code == 200 and "retry-after" not in done.headers
    assert done.json()["status"] == "done" and done.json()["evaluated"] == 20
    figures = done.json()["result"]
    assert (figures["evaluated"], figures["hits"], figures["hit_share"]) == (20, 10, 0.5)
    assert figures["outcomes_available"] is True
    assert (figures["inspected_hits"], figures["found"], figures["hit_rate"]) == (3, 2, 2 / 3)
    assert figures["revenue_found"] == "301" and figures["baseline_hit_rate"] == 2 / 6
    assert set(figures["sample"]) == {m for m, (_, item) in zip(mrns, history, strict=True) if item is UNDERVALUED}
    narrow = client.post(f"/api/v1/risk/rules/{rule['id']}/test-run",
                         # the day of the fifth lodgement (lodged 2 h before its day count): right at any hour
                         json={"date_from": str((now - timedelta(days=5, hours=2)).date())}, headers=analyst)
    worker_test_runs()
    assert client.get(narrow.headers["location"], headers=analyst).json()["result"]["evaluated"] == 5
    runs = client.get(f"/api/v1/risk/rules/{rule['id']}/test-runs", headers=analyst).json()["items"]
    assert [r["id"] for r in runs] == [narrow.json()["id"], queued["id"]]
    assert client.get(narrow.headers["location"], headers=auth(client, "officer")).status_code == 403
    backwards = client.post(f"/api/v1/risk/rules/{rule['id']}/test-run", headers=analyst,
                            json={"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["code"] == "risk.test_run_window"
    assert client.get("/api/v1/risk/test-runs/999999", headers=analyst).status_code == 404


def test_a_test_run_is_replayed_in_batches_and_taken_again_when_its_worker_stopped(client):
    """A long test-run reads in bounded batches, reports its progress, and survives a worker that died."""
    from clearway.db import get_sessionmaker, read_sessions_of
    from clearway.risk.models import RiskTestRun
    from clearway.risk.rules import testrun

    now = utcnow()
    lodge_at("trader-b", [(now - timedelta(days=1, minutes=m), UNDERVALUED if m % 3 else NORMAL) for m in range(7)])
    analyst = auth(client, "analyst")
    rule = client.post("/api/v1/risk/rules", json={
        "name": "cheap", "channel": "yellow", "reason": "Undervalued", "expression": "item.value < 1000"},
        headers=analyst).json()
    run_id = client.post(f"/api/v1/risk/rules/{rule['id']}/test-run", json={}, headers=analyst).json()["id"]
    sessions = get_sessionmaker()
    with sessions() as db, db.begin():
        assert testrun.test_run_claim(db=db, now=now) == run_id
    with sessions() as db, db.begin():  # a second worker does not take a run another is working on
        assert testrun.test_run_claim(db=db, now=now) is None
    with sessions() as db, db.begin():  # ... unless that worker stopped reporting
        assert testrun.test_run_claim(db=db, now=now + timedelta(seconds=testrun.STALE_S + 1)) == run_id
    assert testrun.test_run_execute(sessions=sessions, reads=read_sessions_of(sessions), run_id=run_id,
                                    batch=2) == "done"
    result = client.get(f"/api/v1/risk/test-runs/{run_id}", headers=analyst).json()
    assert result["status"] == "done" and result["result"]["evaluated"] == 7 and result["result"]["hits"] == 4
    with sessions() as db:
        assert db.get(RiskTestRun, run_id).finished_at is not None


def test_drift_compares_score_windows_and_reports_weeks(client, models_env):
    analyst = auth(client, "analyst")
    mid = _register(client, analyst)["id"]
    client.post(f"/api/v1/risk/models/{mid}/shadow", headers=analyst)
    client.post(f"/api/v1/risk/models/{mid}/promote", headers=analyst)
    now = utcnow()
    lodge_at("trader-b", [(now - timedelta(days=40 - d), NORMAL) for d in range(12)]
             + [(now - timedelta(days=10 - d), UNDERVALUED) for d in range(8)])
    report = client.get("/api/v1/risk/drift", headers=auth(client, "auditor")).json()
    assert (report["reference_n"], report["recent_n"]) == (12, 8)
    assert report["psi"] > 0.25 and sum(b["recent"] for b in report["bins"]) == 1.0
    assert sum(w["decisions"] for w in report["weeks"]) == 20 and report["outcomes_available"] in (True, False)


def test_random_picks_are_flagged_and_rarer_for_an_authorised_operator(client):
    from clearway.risk.engine.live import engine

    analyst = auth(client, "analyst")
    client.put("/api/v1/risk/selection/KR0101/IM", json=SETTING, headers=analyst)
    engine.draw = lambda: 0.007  # under the 1 % random rate, over the AEO rate of 0.5 %
    aeo = client.post("/api/v1/declarations", json=priced(NORMAL), headers=auth(client, "trader-a")).json()
    other = client.post("/api/v1/declarations", json=priced(NORMAL, **_party("KR1000000002")),
                        headers=auth(client, "trader-b")).json()
    officer = auth(client, "officer")
    seen = {m: client.get(f"/api/v1/risk/decisions/{m}", headers=officer).json() for m in (aeo["mrn"], other["mrn"])}
    assert (aeo["channel"], seen[aeo["mrn"]]["random_pick"], seen[aeo["mrn"]]["aeo"]) == ("green", False, True)
    assert (other["channel"], seen[other["mrn"]]["random_pick"]) == ("red", True)
    assert seen[other["mrn"]]["sources"] == ["random"] and "random compliance sample" in seen[other["mrn"]]["reasons"]


def _party(code: str) -> dict:
    party = {"id": code, "name": "Daehan Global Imports Ltd.", "country": "KR"}
    return {"declarant": party, "importer": party, "buyer": party}


def test_the_objective_is_stored_with_the_setting_and_the_thresholds_and_named_by_the_decision(client, models_env):
    now = utcnow()
    lodge_at("trader-b", [(now - timedelta(days=d, hours=1), UNDERVALUED if d % 3 == 0 else NORMAL)
                          for d in range(1, 25)])
    analyst = auth(client, "analyst")
    mid = _register(client, analyst)["id"]
    client.post(f"/api/v1/risk/models/{mid}/shadow", headers=analyst)
    client.post(f"/api/v1/risk/models/{mid}/promote", headers=analyst)
    empty_mix = client.put("/api/v1/risk/selection/*/IM", json={**SETTING, "objective": "mix", "weight_frauds": "0"},
                           headers=analyst)
    assert empty_mix.status_code == 422
    by_frauds = client.put("/api/v1/risk/selection/*/IM", json=SETTING, headers=analyst).json()
    assert by_frauds["objective"] == "frauds" and by_frauds["thresholds"]["objective"]["name"] == "frauds"
    saved = client.put("/api/v1/risk/selection/*/IM", json={**SETTING, "objective": "mix", "weight_frauds": "0.5",
                                                             "weight_revenue": "0.5"}, headers=analyst)
    assert saved.status_code == 200, saved.text
    limits = saved.json()["thresholds"]
    assert saved.json()["objective"] == "mix" and limits["objective"]["weights"]["revenue"] == 0.5
    assert limits["objective"]["scales"]["revenue"] > 0 and limits["red"] != by_frauds["thresholds"]["red"]
    lodged = client.post("/api/v1/declarations", json=priced(UNDERVALUED), headers=auth(client, "trader-a")).json()
    decision = client.get(f"/api/v1/risk/decisions/{lodged['mrn']}", headers=auth(client, "officer")).json()
    assert decision["sources"] == ["model"] and decision["objective"] == "mix"
    assert decision["expected_revenue"] > 0
    page = client.get(f"/declarations/{lodged['mrn']}", headers=auth(client, "officer")).text
    assert "Selected by the model for" in page and "Weighted mix" in page
