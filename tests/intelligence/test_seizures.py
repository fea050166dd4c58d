"""Seizures published as non-nominal WCO CEN records: made from a real inspection's enforcement case, marked at
least as strictly as the alert behind them, exported only as the marking allows (audited), and an export holds
no name or identifier of any person or firm of the declaration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker
from clearway.intelligence.seizures import category_of
from tests.controls.flows import REVOLVERS, claimed
from tests.factories import auth, document_for
from tests.intelligence.helpers import create

pytestmark = pytest.mark.usefixtures("world")
PARTIES = {"declarant": {"id": "KR1000000001", "name": "Hanbit Trading Co.", "country": "KR"},
           "seller": {"id": "CN9133445566", "name": "Guangzhou Red Lantern Arms Ltd", "country": "CN",
                      "address": "88 Huangpu Road, Guangzhou"},
           "exporter": {"id": "CN9133445566", "name": "Guangzhou Red Lantern Arms Ltd", "country": "CN"}}


def _seize(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    doc = document_for("KR1000000001", name="Hanbit Trading Co.", **{k: v for k, v in PARTIES.items()
                                                                     if k != "declarant"})
    doc["items"][0].update(REVOLVERS)
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    mrn = r.json()["mrn"]
    task_id, officer = claimed(client, mrn)
    base = f"/api/v1/controls/tasks/{task_id}"
    client.post(base + "/inspection/schedule", json={"at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
                                                     "place": "Shed 1"}, headers=officer)
    client.post(base + "/inspection/goods-available", headers=officer)
    client.post(base + "/inspection/start", headers=officer)
    client.put(base + "/findings/0", json={"result": "discrepancy", "kind": "concealment", "seized_quantity": "12",
                                           "seized_unit": "NAR", "note": "in the false floor of Mr Kim's crate"},
               headers=officer)
    (case,) = client.post(base + "/inspection/end", json={}, headers=officer).json()["cases"]
    return mrn, case["reference"]


def test_a_seizure_becomes_a_cen_record_whose_export_names_no_person_or_firm(client):
    mrn, case = _seize(client)
    officer = auth(client, "officer")
    r = client.post("/api/v1/intelligence/seizures", json={"case": case}, headers=officer)
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["marking"] == "GREEN" and record["reference"].startswith("CEN-")
    fields = record["record"]
    assert (fields["reporting_country"], fields["direction"], fields["control_type"]) == (
        "KR", "import", "physical_examination")
    (goods,) = fields["goods"]
    assert (goods["commodity_category"], goods["hs_code"], goods["quantity"], goods["concealment"]) == (
        "weapons_ammunition", "930200", "12", "concealed")
    assert client.post("/api/v1/intelligence/seizures", json={"case": case},
                       headers=officer).json()["code"] == "intelligence.seizure_exists"
    exported = client.get("/api/v1/intelligence/seizures/export", params={"purpose": "policy"},
                          headers=auth(client, "agency"))
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert [r["cen_reference"] for r in exported.json()["records"]] == [record["reference"]]
    declaration = client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-a")).json()
    identifiers = {mrn, declaration["lrn"], "Kim", "KE0082", *(v for p in PARTIES.values() for k, v in p.items()
                                                               if k != "country")}
    assert all(len(i) > 2 for i in identifiers)
    leaked = [i for i in identifiers if i.lower() in exported.text.lower()]
    assert leaked == []
    with get_sessionmaker()() as db:
        audit = db.scalar(select(AuditRecord).where(AuditRecord.action == "intelligence.seizures_exported"))
        assert audit.actor == "agency" and audit.detail["count"] == 1


def test_a_seizure_from_an_amber_alert_is_amber_and_only_the_originating_organisation_exports_it(client):
    ref = create(marking="AMBER", subject_type="goods", subject_value="930200", hold_goods=True,
                 recipients=[])
    mrn, case = _seize(client)
    r = client.post(f"/api/v1/intelligence/alerts/{ref}/outcomes", params={"purpose": "control"},
                    json={"mrn": mrn, "outcome": "seizure"}, headers=auth(client, "officer"))
    assert r.status_code == 201, r.text
    record = client.post("/api/v1/intelligence/seizures", json={"case": case, "marking": "GREEN"},
                         headers=auth(client, "officer")).json()
    assert record["marking"] == "AMBER" and record["record"]["detection_method"] == "intelligence"
    own = client.get("/api/v1/intelligence/seizures/export", params={"purpose": "policy"},
                     headers=auth(client, "analyst")).json()
    assert len(own["records"]) == 1 and own["records"][0]["marking"] == "TLP:AMBER"
    agency = client.get("/api/v1/intelligence/seizures/export", params={"purpose": "policy"},
                        headers=auth(client, "agency")).json()
    assert (agency["records"], agency["withheld"]) == ([], 1)
    assert client.get("/api/v1/intelligence/seizures", params={"purpose": "policy"},
                      headers=auth(client, "agency")).json()["items"] == []
    for who in ("trader-a", "auditor"):
        assert client.get("/api/v1/intelligence/seizures/export", params={"purpose": "policy"},
                          headers=auth(client, who)).status_code == 403
    assert client.post("/api/v1/intelligence/seizures", json={"case": case},
                       headers=auth(client, "agency")).status_code == 403


def test_commodity_groups_follow_the_hs_code():
    assert [category_of(c) for c in ("240220", "930200", "300490", "851713")] == [
        "tobacco", "weapons_ammunition", "medicines", "other"]
