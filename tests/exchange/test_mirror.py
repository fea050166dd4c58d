"""Mirror checks: a partner's export declaration set against our import that refers to it, as a risk signal in
selection and a line in the mirror report."""

from __future__ import annotations

import copy
from decimal import Decimal

from clearway.declarations.schemas import EXAMPLE
from clearway.exchange.mirror import compare
from tests.exchange.flows import jp_envelope, partner_jp
from tests.factories import auth, document

ITEM = {"hs_code": "851713", "origin": "CN", "quantity": "250", "value": "12500.00", "currency": "USD"}
RULE = {"name": "Mirror gap with the partner's export", "channel": "yellow", "priority": 400,
        "expression": "mirror.gap", "reason": "The partner's export declaration differs: check the documents"}


def _import(reference: str, **item_changes: object) -> dict:
    doc = document(previous_documents=[{"category": "Z", "type": "830", "reference": reference}])
    doc["items"][0].update(item_changes)
    return doc


def test_compare_finds_value_quantity_code_and_origin_beyond_tolerance_only():
    same = compare(EXAMPLE, {"export_mrn": "E1", "items": [ITEM]}, sender="JP", matched_by="export_mrn",
                   value_tolerance=Decimal("0.05"), quantity_tolerance=Decimal("0.02"))
    assert (same.gap, same.value_gap, same.quantity_gap) == (False, Decimal(0), Decimal(0))
    within = compare(EXAMPLE, {"export_mrn": "E1", "items": [{**ITEM, "value": "13000.00"}]}, sender="JP",
                     matched_by="ucr", value_tolerance=Decimal("0.05"), quantity_tolerance=Decimal("0.02"))
    assert not within.gap  # 3.8 % under a 5 % tolerance
    far = compare(EXAMPLE, {"export_mrn": "E1", "items": [{**ITEM, "value": "20000.00", "quantity": "300",
                                                              "hs_code": "851712", "origin": "VN"}]},
                  sender="JP", matched_by="export_mrn", value_tolerance=Decimal("0.05"),
                  quantity_tolerance=Decimal("0.02"))
    assert [f["code"] for f in far.findings] == ["mirror.value", "mirror.quantity", "mirror.hs_code", "mirror.origin"]
    assert far.value_gap == Decimal("0.375") and far.hs_mismatch and far.origin_mismatch
    other_currency = compare(EXAMPLE, {"export_mrn": "E1", "items": [{**ITEM, "currency": "JPY"}]}, sender="JP",
                             matched_by="export_mrn", value_tolerance=Decimal("0.05"),
                             quantity_tolerance=Decimal("0.02"))
    assert [f["code"] for f in other_currency.findings] == ["mirror.currency"] and other_currency.value_gap is None


def test_a_gap_with_the_partners_export_selects_the_import_and_shows_in_the_mirror_report(client):
    jp = partner_jp()
    batch = [jp_envelope(jp, 1, "26JP0000000001", ucr="6JP-UCR-1", items=[{**ITEM, "value": "20000.00"}]),
             jp_envelope(jp, 2, "26JP0000000002", ucr="6JP-UCR-2", items=[copy.deepcopy(ITEM)])]
    receipts = client.post("/api/v1/exchange/inbox", json={"envelopes": batch}).json()["receipts"]
    assert [r["receipt"]["status"] for r in receipts] == ["accepted", "accepted"]
    analyst, trader = auth(client, "analyst"), auth(client, "trader-a")
    rule = client.post("/api/v1/risk/rules", json=RULE, headers=analyst)
    assert rule.status_code == 201, rule.text
    client.post(f"/api/v1/risk/rules/{rule.json()['id']}/activate", json={}, headers=analyst)
    gap = client.post("/api/v1/declarations", json=_import("26JP0000000001"), headers=trader).json()
    clean = client.post("/api/v1/declarations", json=_import("6JP-UCR-2"), headers=trader).json()
    unmatched = client.post("/api/v1/declarations", json=document(), headers=trader).json()
    assert (gap["channel"], clean["channel"], unmatched["channel"]) == ("yellow", "green", "green")
    officer = auth(client, "officer")
    decision = client.get(f"/api/v1/risk/decisions/{gap['mrn']}", headers=officer).json()
    assert [h["rule_id"] for h in decision["rule_hits"]] == [rule.json()["id"]]
    report = client.get("/api/v1/exchange/mirror", headers=officer).json()
    assert (report["gaps"], report["total"]) == (1, 2)
    lines = {line["import_mrn"]: line for line in report["items"]}
    assert unmatched["mrn"] not in lines
    assert (lines[clean["mrn"]]["matched_by"], lines[clean["mrn"]]["gap"]) == ("ucr", False)
    [finding] = lines[gap["mrn"]]["findings"]
    assert finding == {"code": "mirror.value", "item": None, "import": "12500.00", "export": "20000.00",
                       "gap": "0.3750"}
    only_gaps = client.get("/api/v1/exchange/mirror?gap=true", headers=officer).json()["items"]
    assert [line["import_mrn"] for line in only_gaps] == [gap["mrn"]]
    page = client.get("/exchange/mirror?gap=yes", headers={**officer, "Accept-Language": "es"})
    assert page.status_code == 200 and "Valor 12500.00 aquí, 20000.00 en la exportación" in page.text
    assert clean["mrn"] not in page.text
    assert client.get("/api/v1/exchange/mirror", headers=trader).status_code == 403


def test_the_engine_rules_can_read_the_mirror_facts(client):
    r = client.post("/api/v1/risk/rules/check", json={"expression": "mirror.found and mirror.value_gap > 0.1 "
                                                                     "or exporter.partner_aeo"},
                    headers=auth(client, "analyst"))
    assert r.json()["valid"] is True


def _push(client, *envelopes):
    receipts = client.post("/api/v1/exchange/inbox", json={"envelopes": list(envelopes)}).json()["receipts"]
    return [r["receipt"]["status"] for r in receipts]


def test_the_mirror_line_is_the_same_whichever_of_export_and_import_arrives_second(client):
    jp = partner_jp()
    trader, officer = auth(client, "trader-a"), auth(client, "officer")
    far = {**ITEM, "value": "20000.00", "origin": "VN"}
    # Export first, then the import that refers to it.
    assert _push(client, jp_envelope(jp, 1, "26JP0000000001", items=[dict(far)])) == ["accepted"]
    first = client.post("/api/v1/declarations", json=_import("26JP0000000001"), headers=trader).json()
    # Import first (its export not yet here: no line), then the export; and a UCR-matched one the same way.
    second = client.post("/api/v1/declarations", json=_import("26JP0000000002"), headers=trader).json()
    by_ucr = client.post("/api/v1/declarations", json=_import("6JP-UCR-3"), headers=trader).json()
    before = client.get("/api/v1/exchange/mirror", headers=officer).json()
    assert [line["import_mrn"] for line in before["items"]] == [first["mrn"]]
    assert _push(client, jp_envelope(jp, 2, "26JP0000000002", items=[dict(far)]),
                 jp_envelope(jp, 3, "26JP0000000003", ucr="6JP-UCR-3", items=[copy.deepcopy(ITEM)])) == [
        "accepted", "accepted"]
    report = client.get("/api/v1/exchange/mirror", headers=officer).json()
    lines = {line["import_mrn"]: line for line in report["items"]}
    assert (report["gaps"], report["total"]) == (2, 3)
    assert lines[first["mrn"]]["findings"] == lines[second["mrn"]]["findings"]
    assert [f["code"] for f in lines[second["mrn"]]["findings"]] == ["mirror.value", "mirror.origin"]
    assert (lines[first["mrn"]]["found_on"], lines[second["mrn"]]["found_on"]) == ("import", "export")
    assert (lines[by_ucr["mrn"]]["matched_by"], lines[by_ucr["mrn"]]["gap"]) == ("ucr", False)
    # A corrected version of the export brings the line up to date: no gap any more.
    assert _push(client, jp_envelope(jp, 4, "26JP0000000002", version=2, items=[copy.deepcopy(ITEM)])) == [
        "accepted"]
    again = {line["import_mrn"]: line for line in client.get("/api/v1/exchange/mirror", headers=officer).json()[
        "items"]}
    assert (again[second["mrn"]]["gap"], again[second["mrn"]]["findings"]) == (False, [])


def test_an_amended_import_is_checked_against_the_export_it_now_refers_to(client):
    jp = partner_jp()
    trader, officer = auth(client, "trader-a"), auth(client, "officer")
    lodged = client.post("/api/v1/declarations", json=_import("26JP0000000008"), headers=trader).json()
    amended = {**_import("26JP0000000009"), "reason": "Wrong export referred to"}
    etag = client.get(f"/api/v1/declarations/{lodged['mrn']}", headers=trader).headers["ETag"]
    changed = client.put(f"/api/v1/declarations/{lodged['mrn']}", json=amended,
                         headers={**officer, "If-Match": etag})  # released: an officer amends
    assert changed.status_code == 200, changed.text
    assert _push(client, jp_envelope(jp, 1, "26JP0000000008", items=[{**ITEM, "value": "1.00"}]),
                 jp_envelope(jp, 2, "26JP0000000009", items=[{**ITEM, "hs_code": "851712"}])) == [
        "accepted", "accepted"]
    [line] = client.get("/api/v1/exchange/mirror", headers=officer).json()["items"]
    assert (line["export_mrn"], [f["code"] for f in line["findings"]]) == ("26JP0000000009", ["mirror.hs_code"])


def _line_of(client, mrn: str) -> dict:
    items = client.get("/api/v1/exchange/mirror", headers=auth(client, "officer")).json()["items"]
    [line] = [line for line in items if line["import_mrn"] == mrn]
    return line


def _holds(client, mrn: str) -> list[dict]:
    r = client.get(f"/api/v1/declarations/{mrn}/holds", headers=auth(client, "officer"))
    assert r.status_code == 200, r.text
    return r.json()["holds"]


def test_escalating_a_mirror_gap_opens_a_control_that_holds_the_import_until_it_ends(client):
    jp = partner_jp()
    trader, officer = auth(client, "trader-a"), auth(client, "officer")
    assert _push(client, jp_envelope(jp, 1, "26JP0000000001", items=[{**ITEM, "value": "20000.00"}]),
                 jp_envelope(jp, 2, "26JP0000000002", items=[{**ITEM, "value": "30000.00"}])) == [
        "accepted", "accepted"]
    escalated = client.post("/api/v1/declarations", json=_import("26JP0000000001"), headers=trader).json()
    acknowledged = client.post("/api/v1/declarations", json=_import("26JP0000000002"), headers=trader).json()
    assert (escalated["status"], acknowledged["status"]) == ("released", "released")  # green: gone at lodging
    # Acknowledged: explained, no control; the goods stay released.
    line = _line_of(client, acknowledged["mrn"])
    ok = client.post(f"/api/v1/exchange/mirror/{line['id']}/review", headers=officer,
                     json={"action": "acknowledged", "note": "Freight is in the export value (CIF)."})
    assert ok.status_code == 200, ok.text
    assert ok.json()["control_task_id"] is None and _holds(client, acknowledged["mrn"]) == []
    assert client.get("/api/v1/controls/queue", headers=officer).json()["items"] == []
    # Escalated: a documentary check (a value gap is read in the documents) opened on the import, with the gap as
    # its reason; the release decision holds the goods with that control.
    line = _line_of(client, escalated["mrn"])
    r = client.post(f"/api/v1/exchange/mirror/{line['id']}/review", headers=officer,
                    json={"action": "escalated", "note": "Invoice value far below JP's export value."})
    assert r.status_code == 200, r.text
    task_id = r.json()["control_task_id"]
    assert isinstance(task_id, int)
    declaration = client.get(f"/api/v1/declarations/{escalated['mrn']}", headers=officer).json()
    assert declaration["status"] == "under_control"
    [hold] = _holds(client, escalated["mrn"])
    assert (hold["code"], hold["params"]) == ("control.open", {"task": str(task_id), "kind": "documentary"})
    release = client.post(f"/api/v1/declarations/{escalated['mrn']}/decisions", headers=officer,
                          json={"to": "released", "reason": "Release it now"})
    assert release.status_code == 409 and release.json()["errors"][0]["code"] == "hold.control.open"
    [queued] = client.get("/api/v1/controls/queue", headers=officer).json()["items"]
    assert (queued["id"], queued["kind"], queued["mrn"]) == (task_id, "documentary", escalated["mrn"])
    events = client.get(f"/api/v1/declarations/{escalated['mrn']}/events", headers=officer).json()["items"]
    assert (events[-1]["kind"], events[-1]["from_status"], events[-1]["to_status"], events[-1]["actor"]) == (
        "check_requested", "released", "under_control", "officer")
    assert events[-1]["reason"] == "Invoice value far below JP's export value."
    page = client.get("/exchange/mirror?gap=yes", headers={**officer, "Accept-Language": "fr"})
    assert f'href="/controls/tasks/{task_id}"' in page.text and "les marchandises sont retenues" in page.text
    # The control ends (documents accepted): nothing holds the goods any more, and they go.
    assert client.post(f"/api/v1/controls/tasks/{task_id}/claim", headers=officer).status_code == 200
    done = client.post(f"/api/v1/controls/tasks/{task_id}/accept", headers=officer, json={"note": "Invoice seen."})
    assert done.status_code == 200, done.text
    assert _holds(client, escalated["mrn"]) == []
    after = client.get(f"/api/v1/declarations/{escalated['mrn']}", headers=officer).json()
    assert after["status"] == "released"
