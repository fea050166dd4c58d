"""Rules and watchlists through the API: coded errors with positions, versions, activation, audit, lodging."""

from __future__ import annotations

from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.risk.models import RiskDecision
from tests.factories import auth, document

RULE = {"name": "Cheap phones from CN/VN", "channel": "red", "priority": 500,
        "expression": 'item.hs6 starts_with "8517" and item.origin in ["CN", "VN"] and item.value < 20000',
        "reason": "Smartphones declared below market value: check invoice and goods"}


def _create(client, headers, **changes):
    r = client.post("/api/v1/risk/rules", json={**RULE, **changes}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_bad_rule_is_refused_at_save_time_with_its_code_and_position(client):
    expression = 'item.hs6 starts_with "8517"\nand item.orign == "CN"'
    r = client.post("/api/v1/risk/rules", json={**RULE, "expression": expression}, headers=auth(client, "analyst"))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    (error,) = r.json()["errors"]
    assert (error["code"], error["pointer"]) == ("rule.unknown_field", "/expression")
    assert error["message"] == 'Line 2, column 5: there is no field “item.orign”'


def test_check_reports_fields_without_saving(client):
    r = client.post("/api/v1/risk/rules/check", json={"expression": RULE["expression"]},
                    headers=auth(client, "analyst"))
    assert r.json() == {"valid": True, "fields": ["item.hs6", "item.origin", "item.value"], "per_item": True}


def test_editing_makes_a_version_and_activation_chooses_which_one_is_in_force(client, db):
    headers = auth(client, "analyst")
    rule = _create(client, headers)
    assert (rule["version"], rule["active_version"]) == (1, None)
    rid = rule["id"]
    edited = client.put(f"/api/v1/risk/rules/{rid}", json={**RULE, "channel": "yellow", "base_version": 1},
                        headers=headers).json()
    assert (edited["version"], edited["latest"]["channel"]) == (2, "yellow")
    stale = client.put(f"/api/v1/risk/rules/{rid}", json={**RULE, "base_version": 1}, headers=headers)
    assert stale.status_code == 412 and stale.json()["code"] == "risk.rule_version_mismatch"
    assert client.post(f"/api/v1/risk/rules/{rid}/activate", json={"version": 1}, headers=headers).json()[
        "active_version"] == 1
    versions = client.get(f"/api/v1/risk/rules/{rid}/versions", headers=auth(client, "officer")).json()["items"]
    assert [v["version"] for v in versions] == [2, 1]
    with db.begin():
        actions = list(db.scalars(select(AuditRecord.action).where(AuditRecord.target_type == "risk_rule")))
    assert actions == ["risk.rule.created", "risk.rule.edited", "risk.rule.activated"]


def test_an_active_rule_channels_a_lodged_declaration_and_the_decision_names_rule_and_version(client, db):
    analyst = auth(client, "analyst")
    rid = _create(client, analyst)["id"]
    trader = auth(client, "trader-a")
    before = client.post("/api/v1/declarations", json=document(), headers=trader).json()
    assert before["channel"] == "green"  # saved, not yet in force
    client.post(f"/api/v1/risk/rules/{rid}/activate", json={}, headers=analyst)
    lodged = client.post("/api/v1/declarations", json=document(), headers=trader).json()
    assert (lodged["channel"], lodged["status"]) == ("red", "under_control")
    decision = client.get(f"/api/v1/risk/decisions/{lodged['mrn']}", headers=auth(client, "officer")).json()
    (hit,) = decision["rule_hits"]
    assert (hit["rule_id"], hit["version"], hit["items"]) == (rid, 1, [1])
    assert decision["sources"] == ["rule"] and RULE["reason"] in decision["reasons"][0]
    client.post(f"/api/v1/risk/rules/{rid}/deactivate", json={}, headers=analyst)
    assert client.post("/api/v1/declarations", json=document(), headers=trader).json()["channel"] == "green"
    with db.begin():
        stored = list(db.execute(select(RiskDecision.channel, RiskDecision.rule_hits).order_by(RiskDecision.id)))
    assert [(c, [h["rule_id"] for h in hits]) for c, hits in stored] == [("red", [rid])]  # then nothing configured


def test_decisions_are_for_customs_eyes_only(client):
    mrn = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).json()["mrn"]
    assert client.get(f"/api/v1/risk/decisions/{mrn}", headers=auth(client, "trader-a")).status_code == 403
    default = client.get(f"/api/v1/risk/decisions/{mrn}", headers=auth(client, "auditor")).json()
    assert (default["engine"], default["reasons"]) == ("default-rules-v1", ["no risk indicator: release"])


def test_a_watchlisted_seller_sends_the_declaration_yellow_until_the_entry_expires(client):
    analyst = auth(client, "analyst")
    entry = {"kind": "seller", "name": "Shenzen Bright Electronic Co.", "threshold": 85, "severity": "medium",
             "source": "OLAF mutual assistance 2026/31"}
    r = client.post("/api/v1/risk/watchlists", json=entry, headers=analyst)
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    found = client.post("/api/v1/risk/watchlists/match", json={"kind": "seller", "text": "Shenzhen Bright Electronics"},
                        headers=auth(client, "auditor")).json()["items"]
    assert [m["entry_id"] for m in found] == [entry_id]
    trader = auth(client, "trader-a")
    lodged = client.post("/api/v1/declarations", json=document(), headers=trader).json()
    assert lodged["channel"] == "yellow"
    decision = client.get(f"/api/v1/risk/decisions/{lodged['mrn']}", headers=auth(client, "officer")).json()
    assert decision["watchlist_hits"][0]["source"] == "OLAF mutual assistance 2026/31"
    expired = {**entry, "expires_at": "2020-01-01T00:00:00Z"}
    assert client.put(f"/api/v1/risk/watchlists/{entry_id}", json=expired, headers=analyst).status_code == 200
    assert client.post("/api/v1/declarations", json=document(), headers=trader).json()["channel"] == "green"
    assert client.delete(f"/api/v1/risk/watchlists/{entry_id}", headers=analyst).json()["active"] is False
    assert client.get("/api/v1/risk/watchlists", headers=analyst).json()["items"] == []


def test_officers_read_rules_but_only_analysts_write_and_only_analysts_and_auditors_see_watchlists(client):
    assert client.post("/api/v1/risk/rules", json=RULE, headers=auth(client, "officer")).status_code == 403
    assert client.get("/api/v1/risk/rules", headers=auth(client, "officer")).status_code == 200
    assert client.get("/api/v1/risk/watchlists", headers=auth(client, "officer")).status_code == 403
    assert client.get("/api/v1/risk/rules", headers=auth(client, "trader-a")).status_code == 403


def test_a_stored_rule_the_code_no_longer_accepts_is_left_out_not_fatal(client, db):
    from sqlalchemy import update

    from clearway.risk.models import RiskRuleVersion

    analyst = auth(client, "analyst")
    rid = _create(client, analyst)["id"]
    client.post(f"/api/v1/risk/rules/{rid}/activate", json={}, headers=analyst)
    with db.begin():
        db.execute(update(RiskRuleVersion).values(expression="item.renamed_field > 1"))
    client.put(f"/api/v1/risk/rules/{rid}", json={**RULE, "name": "bump", "base_version": 1}, headers=analyst)
    lodged = client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a"))
    assert lodged.status_code == 201 and lodged.json()["channel"] == "green"
