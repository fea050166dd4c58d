"""Physical inspection: stages, findings per item, adjustment, seizure, and the outcome label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.controls.flows import PNG, REVOLVERS, claimed, lodge, status_of
from tests.factories import auth


def _inspect(client, mrn):
    task_id, officer = claimed(client, mrn)
    base = f"/api/v1/controls/tasks/{task_id}"
    at = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = client.post(base + "/inspection/schedule", json={"at": at, "place": "Shed 4, bay 2"}, headers=officer)
    assert r.status_code == 200, r.text
    assert client.post(base + "/inspection/start", headers=officer).json()["code"] == "control.goods_not_available"
    assert client.post(base + "/inspection/goods-available", headers=officer).status_code == 200
    assert client.post(base + "/inspection/start", headers=officer).status_code == 200
    return base, officer


def test_a_compliant_inspection_releases_the_goods_and_labels_no_fraud(client):
    mrn = lodge(client, REVOLVERS)
    base, officer = _inspect(client, mrn)
    r = client.put(base + "/findings/0", json={"result": "compliant"}, headers=officer)
    assert r.status_code == 200, r.text
    r = client.post(base + "/inspection/end", json={"note": "as declared"}, headers=officer)
    assert r.status_code == 200 and r.json()["fraud_found"] is False and r.json()["revenue_raised"] == "0"
    assert status_of(client, mrn) == "released"
    kinds = [e["kind"] for e in client.get(f"/api/v1/declarations/{mrn}/events",
                                           headers=auth(client, "trader-a")).json()["items"]]
    assert kinds[-6:] == ["inspection_scheduled", "goods_available", "inspection_started", "inspection_ended",
                          "control_finished", "released"]


def test_an_undervalued_item_raises_duty_and_penalty_at_the_stated_rate(client):
    mrn = lodge(client, REVOLVERS)  # one item worth 12,500 USD
    base, officer = _inspect(client, mrn)
    photo = client.post(base + "/photos", files={"file": ("p.png", PNG, "image/png")}, headers=officer).json()
    finding = {"result": "discrepancy", "kind": "value", "corrected": {"value": "15000.00"},
               "note": "invoice in the crate says 15,000", "photo_ids": [photo["id"]]}
    assert client.put(base + "/findings/0", json=finding, headers=officer).status_code == 200
    task = client.post(base + "/inspection/end", json={}, headers=officer).json()
    (adjustment,) = task["adjustments"]
    # chapter 93 at the basic 8 %: 1000 declared, 1200 due; 200 short, and 10 % of it as penalty
    assert (adjustment["declared_duty"], adjustment["corrected_duty"], adjustment["difference"],
            adjustment["penalty"], adjustment["total"]) == ("1000", "1200", "200", "20", "220")
    assert adjustment["basis"][0]["corrected_rate"] == "0.08"
    assert task["fraud_found"] is True and task["revenue_raised"] == "220"
    events = client.get(f"/api/v1/declarations/{mrn}/events", headers=auth(client, "trader-a")).json()["items"]
    assert any(e["kind"] == "duty_adjusted" and e["reason"].startswith("220.00 USD") for e in events)


def test_a_seizure_opens_an_enforcement_case(client):
    mrn = lodge(client, REVOLVERS)
    base, officer = _inspect(client, mrn)
    finding = {"result": "discrepancy", "kind": "concealment", "seized_quantity": "12", "seized_unit": "NAR",
               "note": "hidden in false floor"}
    assert client.put(base + "/findings/0", json=finding, headers=officer).status_code == 200
    task = client.post(base + "/inspection/end", json={}, headers=officer).json()
    (case,) = task["cases"]
    assert case["reference"].startswith("EC-") and case["seized"][0]["quantity"] == "12"


def test_findings_are_checked_against_the_declaration(client):
    mrn = lodge(client, REVOLVERS)
    base, officer = _inspect(client, mrn)
    cases = [({"result": "compliant"}, "/findings/5", "control.item_unknown", "/item"),
             ({"result": "discrepancy"}, "/findings/0", "control.discrepancy_kind_required", "/kind"),
             ({"result": "discrepancy", "kind": "origin", "corrected": {"value": "1.00"}}, "/findings/0",
              "control.correction_not_for_kind", "/corrected/value")]
    for body, path, code, pointer in cases:
        r = client.put(base + path, json=body, headers=officer)
        assert r.status_code == 422 and (code, pointer) in {(e["code"], e["pointer"]) for e in r.json()["errors"]}


def test_outcomes_and_hit_rates_are_queryable_by_rule(client):
    for value in ("compliant", "discrepancy"):
        mrn = lodge(client, REVOLVERS)
        base, officer = _inspect(client, mrn)
        body = {"result": "compliant"} if value == "compliant" else {"result": "discrepancy", "kind": "description"}
        client.put(base + "/findings/0", json=body, headers=officer)
        client.post(base + "/inspection/end", json={}, headers=officer)
    analyst = auth(client, "analyst")
    outcomes = client.get("/api/v1/controls/outcomes", headers=analyst).json()
    assert [o["fraud_found"] for o in outcomes] == [False, True]
    assert outcomes[0]["rule_ids"] == ["default.sensitive_goods"] and outcomes[0]["random_pick"] is False
    (rate,) = client.get("/api/v1/controls/hit-rates?by=rule", headers=analyst).json()
    assert (rate["key"], rate["controls"], rate["hits"], rate["rate"]) == ("default.sensitive_goods", 2, 1, 0.5)
    (model,) = client.get("/api/v1/controls/hit-rates?by=model_version", headers=analyst).json()
    assert model["key"] == "(none)" and model["controls"] == 2


def test_the_risk_engine_reads_labels_of_given_declarations_through_the_service(client, db):
    from clearway.controls.service import control_outcomes
    from clearway.risk.engine.outcomes import outcomes_for

    mrn = lodge(client, REVOLVERS)
    other = lodge(client, REVOLVERS)  # still under inspection: no label yet
    base, officer = _inspect(client, mrn)
    client.put(base + "/findings/0", json={"result": "discrepancy", "kind": "value", "corrected": {"value": "13000"}},
               headers=officer)
    client.post(base + "/inspection/end", json={}, headers=officer)
    with db.begin():
        labels = control_outcomes(db=db, declaration_ids=[1, 2])
        seen_by_risk = outcomes_for(db=db, declaration_ids=[1, 2])
    assert [(o.mrn, o.fraud_found, o.revenue_raised) for o in labels] == [(mrn, True, 44)]  # 13000 × 8 % + 10 %
    assert other not in {o.mrn for o in labels}
    assert seen_by_risk is not None and seen_by_risk[1].hit and seen_by_risk[1].revenue == 44
