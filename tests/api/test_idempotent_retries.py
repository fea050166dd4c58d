"""A retry racing its original: every endpoint taking an Idempotency-Key answers both the same, creates once.

The race is forced, not hoped for: both requests are held after looking their key up (neither has
stored an answer yet) until both have looked; then both run, one commits first, and the other must
replay its answer instead of failing or creating a second record.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

import clearway.idempotency as idempotency
from clearway.controls.models import ControlFile, DocumentRequest
from clearway.db import get_sessionmaker
from clearway.declarations.models import Declaration
from clearway.notifications.models import Subscriber
from clearway.tariff.models import GuaranteeUse, Payment
from tests.controls.flows import PDF, TOBACCO, claimed
from tests.controls.flows import lodge as lodge_yellow
from tests.factories import auth, document
from tests.tariff_flow.conftest import declaration_with, lodge

pytestmark = pytest.mark.timeout(120)


def _race(monkeypatch: pytest.MonkeyPatch, send: Callable[[], Any]) -> list[Any]:
    """Send the same request twice at once, both past their key lookup before either stores an answer."""
    # SQLite takes its write lock at BEGIN, so there the twin waits for the lock instead: the barrier gives up
    # after 3 s (under the 10 s busy timeout) and the twin then finds the stored answer.
    looked = threading.Barrier(2, timeout=3)
    real = idempotency.idempotency_lookup

    def lookup_then_wait(**kwargs: Any) -> Any:
        found = real(**kwargs)
        if found is None:
            with contextlib.suppress(threading.BrokenBarrierError):  # the twin replayed already
                looked.wait()
        return found

    monkeypatch.setattr(idempotency, "idempotency_lookup", lookup_then_wait)
    answers: list[Any] = [None, None]

    def run(i: int) -> None:
        answers[i] = send()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    monkeypatch.setattr(idempotency, "idempotency_lookup", real)
    return answers


def _count(model: Any) -> int:
    with get_sessionmaker()() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _secrets() -> int:
    with get_sessionmaker()() as db:
        return sum(len(s.secrets or []) for s in db.scalars(select(Subscriber)))


def _same_answer(answers: list[Any], status: int) -> dict[str, Any]:
    first, second = answers
    assert (first.status_code, second.status_code) == (status, status), (first.text, second.text)
    assert first.json() == second.json()
    return dict(first.json())


def test_lodging_twice_at_once_gives_one_declaration(client, monkeypatch):
    headers = {**auth(client, "trader-a"), "Idempotency-Key": "race-lodge"}
    doc = document()
    answers = _race(monkeypatch, lambda: client.post("/api/v1/declarations", json=doc, headers=headers))
    body = _same_answer(answers, 201)
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert answers[0].headers["etag"] == answers[1].headers["etag"]
    assert _count(Declaration) == 1 and body["lrn"] == doc["lrn"]


def test_paying_twice_at_once_gives_one_payment(client, tariff, monkeypatch):
    mrn = lodge(client, declaration_with({}))["mrn"]
    headers = {**auth(client, "trader-a"), "Idempotency-Key": "race-pay"}
    answers = _race(monkeypatch, lambda: client.post("/api/v1/tariff/payments", json={"mrn": mrn, "amount": "1714375"},
                                                     headers=headers))
    body = _same_answer(answers, 201)
    assert body["declaration_status"] == "released" and _count(Payment) == 1


def test_securing_twice_at_once_uses_the_guarantee_once(client, tariff, monkeypatch):
    mrn = lodge(client, declaration_with({}))["mrn"]
    guarantee = client.post("/api/v1/tariff/guarantees", headers=auth(client, "officer"), json={
        "reference": "G-RACE-1", "holder_id": "KR1000000001", "kind": "individual", "currency": "KRW",
        "amount": "2000000", "valid_from": "2026-01-01"}).json()["id"]
    headers = {**auth(client, "trader-a"), "Idempotency-Key": "race-secure"}
    answers = _race(monkeypatch, lambda: client.post("/api/v1/tariff/guarantee-uses",
                                                     json={"mrn": mrn, "guarantee_id": guarantee}, headers=headers))
    body = _same_answer(answers, 201)
    assert body["declaration_status"] == "released" and _count(GuaranteeUse) == 1


def test_adding_a_webhook_secret_twice_at_once_adds_one(client, monkeypatch):
    trader = auth(client, "trader-a")
    assert client.put("/api/v1/notifications/endpoint", json={"url": "https://hooks.example.com/clearway"},
                      headers=trader).status_code in (200, 201)
    before = _secrets()
    headers = {**trader, "Idempotency-Key": "race-secret"}
    answers = _race(monkeypatch, lambda: client.post("/api/v1/notifications/endpoint/secrets", headers=headers))
    body = _same_answer(answers, 201)
    assert body["secret"] and _secrets() == before + 1


def test_asking_for_documents_twice_at_once_asks_once(client, monkeypatch):
    mrn = lodge_yellow(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    wanted = {"documents": [{"code": "N935", "description": "Commercial invoice"}], "due_at": "2030-01-01T00:00:00Z",
              "message": "Please send it"}
    headers = {**officer, "Idempotency-Key": "race-docs"}
    answers = _race(monkeypatch, lambda: client.post(f"/api/v1/controls/tasks/{task_id}/document-requests",
                                                     json=wanted, headers=headers))
    _same_answer(answers, 201)
    assert _count(DocumentRequest) == 1


def test_sending_a_requested_document_twice_at_once_stores_one_file(client, monkeypatch):
    mrn = lodge_yellow(client, TOBACCO)
    task_id, officer = claimed(client, mrn)
    asked = client.post(f"/api/v1/controls/tasks/{task_id}/document-requests", headers=officer, json={
        "documents": [{"code": "N935", "description": "Commercial invoice"}], "due_at": "2030-01-01T00:00:00Z"})
    assert asked.status_code == 201, asked.text
    headers = {**auth(client, "trader-a"), "Idempotency-Key": "race-file"}
    url = f"/api/v1/controls/document-requests/{asked.json()['id']}/files"
    answers = _race(monkeypatch, lambda: client.post(url, data={"document_code": "N935"},
                                                     files={"file": ("invoice.pdf", PDF, "application/pdf")},
                                                     headers=headers))
    _same_answer(answers, 201)
    assert _count(ControlFile) == 1
