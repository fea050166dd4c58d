"""Goods under control go once their control is done and their duty is paid or guaranteed, whichever comes last."""

from __future__ import annotations

from tests.controls.flows import claimed, status_of
from tests.factories import auth
from tests.tariff_flow.conftest import WHISKY, declaration_with, lodge


def test_the_officer_release_waits_for_payment_and_the_payment_then_releases(client, tariff):
    mrn = lodge(client, declaration_with(WHISKY))["mrn"]  # chapter 22: documentary check
    task_id, officer = claimed(client, mrn)
    r = client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={}, headers=officer)
    assert r.status_code == 200 and r.json()["declaration_status"] == "under_control"
    assert [b["code"] for b in r.json()["blockers"]] == ["hold.duty.unpaid"]
    r = client.post(f"/api/v1/controls/declarations/{mrn}/release", json={"reason": "documents in order"},
                    headers=officer)
    assert r.status_code == 409 and [e["code"] for e in r.json()["errors"]] == ["hold.duty.unpaid"]
    assert r.json()["errors"][0]["party"] == "trader"
    r = client.post("/api/v1/tariff/payments", json={"mrn": mrn},
                    headers={**auth(client, "trader-a"), "Idempotency-Key": "whisky"})
    assert r.status_code == 201 and r.json()["released"] is True  # the control was done: money was all that held it
    assert status_of(client, mrn) == "released"
