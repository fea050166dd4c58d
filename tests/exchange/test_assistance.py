"""Requests for assistance (WTO TFA art. 12) between two administrations: asked with a legal basis, a purpose
and a deadline, answered once, and both sides keep what was asked and what was given."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.db import utcnow
from clearway.errors import Conflict, ValidationFailed
from clearway.exchange import jobs, selectors
from clearway.exchange.assistance import assistance_reply, assistance_request
from clearway.exchange.models import AssistanceRequest
from tests.exchange.flows import assistance_from_jp, partner_jp
from tests.exchange.kit import Instance, Local
from tests.factories import auth

BASIS = "KR-JP agreement on mutual administrative assistance in customs matters, art. 7"


def ask(side: Instance, to: str, **changes: object) -> AssistanceRequest:
    """A request from a side to its partner (committed)."""
    fields = {"purpose": "risk_assessment", "legal_basis": BASIS, "subject": "Value of export 26JP0000000001",
              "questions": "Please send the commercial invoice and the export declaration's value.",
              "references": ["26JP0000000001"], "deadline": utcnow() + timedelta(days=30), **changes}
    with side.sessions() as db, db.begin():
        return assistance_request(db=db, actor="analyst", partner=to, now=utcnow(), **fields)  # type: ignore[arg-type]


def records(side: Instance) -> list[AssistanceRequest]:
    """A side's requests for assistance."""
    with side.sessions() as db:
        return list(db.scalars(select(AssistanceRequest).order_by(AssistanceRequest.id)))


def test_a_request_and_its_reply_are_recorded_on_both_sides_once(pair):
    kr, jp = pair[1], pair[0]
    kr.resources["exchange_transport"], jp.resources["exchange_transport"] = Local(kr, jp), Local(jp, kr)
    made = ask(kr, "JP")
    assert (made.direction, made.state, made.reference) == ("out", "open", f"KR-RFA-{utcnow().year}-000001")
    assert jobs.deliver(kr) == 1
    [received] = records(jp)
    assert (received.direction, received.partner, received.legal_basis, received.purpose, received.state) == (
        "in", "KR", BASIS, "risk_assessment", "open")
    assert received.references == ["26JP0000000001"] and abs(received.deadline - made.deadline) < timedelta(seconds=1)
    documents = [{"type": "N935", "reference": "INV-778", "summary": "Invoice, USD 20,000.00"}]
    with jp.sessions() as db, db.begin():
        assistance_reply(db=db, actor="jp-officer", request_id=received.id, outcome="answered",
                         answer="The exporter declared USD 20,000.00; invoice attached.", documents=documents,
                         now=utcnow())
    with jp.sessions() as db, db.begin(), pytest.raises(Conflict) as twice:
        assistance_reply(db=db, actor="jp-officer", request_id=received.id, outcome="declined", answer="No.",
                         documents=[], now=utcnow())
    assert twice.value.problems[0].code == "exchange.assistance_closed"
    assert jobs.deliver(jp) == 1
    assert jobs.deliver(jp) == 0  # settled: nothing goes twice
    [ours] = records(kr)
    assert (ours.state, ours.documents, ours.replied_by) == ("answered", documents, "partner:JP")
    assert ours.answer == "The exporter declared USD 20,000.00; invoice attached."
    [theirs] = records(jp)
    assert (theirs.state, theirs.answer, theirs.replied_by) == ("answered", ours.answer, "jp-officer")
    with kr.sessions() as db:
        actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.target_type == "assistance")))
    assert actions == {"exchange.assistance_requested", "exchange.assistance_reply_answered"}
    with jp.sessions() as db:
        actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.target_type == "assistance")))
    assert actions == {"exchange.assistance_received", "exchange.assistance_answered"}


def test_a_request_needs_a_permitted_purpose_and_a_deadline_ahead(pair):
    kr = pair[1]
    with pytest.raises(ValidationFailed) as purpose:
        ask(kr, "JP", purpose="tax_collection")
    assert [p.code for p in purpose.value.problems] == ["exchange.purpose_not_permitted"]
    with pytest.raises(ValidationFailed) as past:
        ask(kr, "JP", deadline=utcnow() - timedelta(hours=1))
    assert past.value.problems[0].code == "exchange.deadline_invalid"
    assert records(kr) == []
    ask(kr, "JP", deadline=utcnow() + timedelta(seconds=1))
    with kr.sessions() as db:
        [late] = selectors.assistance_list(db=db, now=utcnow() + timedelta(minutes=1))
    assert (late.state, late.overdue) == ("open", True)


def test_customs_answer_partners_requests_and_staff_read_them_in_their_language(client):
    partner_jp()
    request_id = assistance_from_jp()
    officer, analyst = auth(client, "officer"), auth(client, "analyst")
    [listed] = client.get("/api/v1/exchange/assistance?direction=in", headers=officer).json()
    assert (listed["reference"], listed["state"], listed["overdue"]) == ("JP-RFA-2026-000001", "open", False)
    body = {"outcome": "declined", "answer": "The goods concerned are under judicial investigation."}
    assert client.post(f"/api/v1/exchange/assistance/{request_id}/reply", json=body,
                       headers=auth(client, "auditor")).status_code == 403  # auditors read, never act
    r = client.post(f"/api/v1/exchange/assistance/{request_id}/reply", json=body, headers=analyst)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["replied_by"]) == ("declined", "analyst")
    again = client.post(f"/api/v1/exchange/assistance/{request_id}/reply", json=body, headers=analyst)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "exchange.assistance_closed"
    sent = client.get("/api/v1/exchange/messages?direction=out", headers=officer).json()["items"]
    assert [(m["doc_type"], m["business_id"]) for m in sent] == [("assistance_reply", "JP-RFA-2026-000001/reply")]
    made = client.post("/api/v1/exchange/partners/JP/assistance", headers=analyst, json={
        "legal_basis": BASIS, "purpose": "risk_assessment", "subject": "Origin of 26JP0000000002",
        "questions": "Certificate of origin?", "deadline": (utcnow() + timedelta(days=10)).isoformat()})
    assert made.status_code == 201, made.text
    page = client.get("/exchange/assistance", headers={**officer, "Accept-Language": "fr"})
    assert page.status_code == 200 and "Demandes d’assistance" in page.text and "Refusée" in page.text
    assert "Origin of 26JP0000000002" in page.text
