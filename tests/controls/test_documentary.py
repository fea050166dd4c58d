"""Documentary checks: documents asked with a due date, answered with files, accepted or escalated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.controls.flows import PDF, PNG, TOBACCO, claimed, lodge, status_of
from tests.factories import auth

WANTED = [{"code": "N935", "description": "Commercial invoice"},
          {"code": "TOBLIC", "description": "Tobacco import licence"}]


DUE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()


def _request(client, task_id, headers, key="req-1"):
    return client.post(f"/api/v1/controls/tasks/{task_id}/document-requests",
                       json={"documents": WANTED, "due_at": DUE, "message": "Please send both"},
                       headers={**headers, "Idempotency-Key": key})


def test_trader_answers_a_document_request_with_files_and_the_officer_accepts(client):
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    r = _request(client, task_id, officer)
    assert r.status_code == 201, r.text
    assert _request(client, task_id, officer).json()["id"] == r.json()["id"]  # retried: one request
    trader = auth(client, "trader-a")
    mine = client.get("/api/v1/controls/document-requests", headers=trader).json()
    assert [(q["mrn"], [d["code"] for d in q["documents"]]) for q in mine] == [(mrn, ["N935", "TOBLIC"])]
    request_id = mine[0]["id"]
    base = f"/api/v1/controls/document-requests/{request_id}"
    r = client.post(base + "/answer", json={"note": "done"}, headers=trader)
    assert r.status_code == 409 and r.json()["code"] == "control.answer_without_files"
    for code, name, body, kind in (("N935", "invoice.pdf", PDF, "application/pdf"),
                                   ("TOBLIC", "licence.png", PNG, "image/png")):
        r = client.post(base + "/files", data={"document_code": code}, files={"file": (name, body, kind)},
                        headers=trader)
        assert r.status_code == 201, r.text
    assert client.post(base + "/answer", json={"note": "both attached"}, headers=trader).status_code == 200
    task = client.get(f"/api/v1/controls/tasks/{task_id}", headers=officer).json()
    assert task["status"] == "in_progress" and len(task["requests"][0]["files"]) == 2
    file_id = task["requests"][0]["files"][0]["id"]
    got = client.get(f"/api/v1/controls/files/{file_id}", headers=officer)
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert client.get(f"/api/v1/controls/files/{file_id}", headers=auth(client, "trader-b")).status_code == 404
    r = client.post(f"/api/v1/controls/tasks/{task_id}/accept", json={"note": "licence valid"}, headers=officer)
    assert r.status_code == 200 and r.json()["result"] == "compliant"
    assert status_of(client, mrn) == "released"


def test_uploads_are_checked_for_type_content_and_size(client, monkeypatch):
    from clearway.controls.storage import upload_settings

    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    request_id = _request(client, task_id, officer).json()["id"]
    url, trader = f"/api/v1/controls/document-requests/{request_id}/files", auth(client, "trader-a")
    r = client.post(url, files={"file": ("x.exe", b"MZ\x90\x00", "application/x-msdownload")}, headers=trader)
    assert r.status_code == 422 and r.json()["code"] == "upload.type_refused"
    r = client.post(url, files={"file": ("fake.pdf", b"<html>", "application/pdf")}, headers=trader)
    assert r.status_code == 422 and r.json()["code"] == "upload.content_mismatch"
    monkeypatch.setenv("CLEARWAY_CONTROLS_UPLOAD_MAX_BYTES", "2048")
    upload_settings.cache_clear()
    try:
        r = client.post(url, files={"file": ("big.pdf", PDF + b"0" * 4096, "application/pdf")}, headers=trader)
        assert r.status_code == 413 and r.json()["code"] == "upload.too_large"
    finally:
        upload_settings.cache_clear()
    r = client.post(url, files={"file": ("x.pdf", PDF, "application/pdf")}, headers=auth(client, "trader-b"))
    assert r.status_code == 404


def test_files_can_live_in_a_configured_directory(client, monkeypatch, tmp_path):
    from clearway.controls.storage import upload_settings

    monkeypatch.setenv("CLEARWAY_CONTROLS_UPLOAD_DIR", str(tmp_path))
    upload_settings.cache_clear()
    try:
        mrn = lodge(client, TOBACCO)
        task_id, officer = claimed(client, mrn)
        request_id = _request(client, task_id, officer).json()["id"]
        r = client.post(f"/api/v1/controls/document-requests/{request_id}/files",
                        files={"file": ("i.pdf", PDF, "application/pdf")}, headers=auth(client, "trader-a"))
        assert r.status_code == 201
        stored = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert [p.read_bytes() for p in stored] == [PDF]
        assert client.get(f"/api/v1/controls/files/{r.json()['id']}", headers=officer).content == PDF
    finally:
        upload_settings.cache_clear()


def test_escalation_closes_the_check_and_opens_a_physical_inspection(client):
    mrn = lodge(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    r = client.post(f"/api/v1/controls/tasks/{task_id}/escalate", json={"reason": "licence looks forged"},
                    headers=officer)
    assert r.status_code == 200 and r.json()["kind"] == "physical" and r.json()["status"] == "open"
    assert status_of(client, mrn) == "under_control"
    events = client.get(f"/api/v1/declarations/{mrn}/events", headers=auth(client, "trader-a")).json()["items"]
    assert [e["kind"] for e in events[-2:]] == ["check_done", "inspection_requested"]
    assert events[-1]["reason"] == "licence looks forged"
