"""Requests for assistance between administrations (WTO Trade Facilitation Agreement, art. 12): a request with
its legal basis and purpose, the declarations it concerns and a response deadline; the reply (answered, or
declined with a reason). Both travel as signed messages under the partner's agreement, and each side keeps its
record of what was asked and what was given (and the audit trail says who did what, when)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.errors import Conflict, NotFound, Problem, ValidationFailed
from clearway.exchange.directory import own_party, partner_get
from clearway.exchange.models import AssistanceRequest, InMessage
from clearway.exchange.service import message_send
from clearway.exchange.streams import stream_locked

MAX_DAYS = 365  # a deadline further out than this is not a deadline
OUTCOMES = ("answered", "declined")


def assistance_request(*, db: Session, actor: str, partner: str, purpose: str, legal_basis: str, subject: str,
                       questions: str, references: list[str], deadline: datetime,
                       now: datetime) -> AssistanceRequest:
    """Ask a partner for assistance; the request is numbered, recorded here and sent signed."""
    partner_get(db=db, code=partner)
    if not now < deadline <= now + timedelta(days=MAX_DAYS):
        raise ValidationFailed([Problem("exchange.deadline_invalid", "/deadline", {"days": MAX_DAYS})])
    counter = stream_locked(db=db, partner=partner, direction="rfa", name="requests")
    counter.last_seq += 1
    reference = f"{own_party(db=db)}-RFA-{now.year}-{counter.last_seq:06d}"
    payload = {"reference": reference, "legal_basis": legal_basis, "purpose": purpose, "subject": subject,
               "questions": questions, "references": references,
               "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ")}
    message_send(db=db, actor=actor, partner=partner, doc_type="assistance_request", business_id=reference,
                 version=1, purpose=purpose, payload=payload, now=now)
    row = AssistanceRequest(partner=partner, direction="out", reference=reference, legal_basis=legal_basis,
                            purpose=purpose, subject=subject, questions=questions, references=references,
                            deadline=deadline, state="open", documents=[], requested_by=actor, created_at=now)
    db.add(row)
    db.flush()
    audit_append(db=db, actor=actor, actor_org=own_party(db=db), action="exchange.assistance_requested",
                 target_type="assistance", target_id=reference,
                 detail={"partner": partner, "legal_basis": legal_basis, "purpose": purpose,
                         "references": references, "deadline": payload["deadline"]}, at=now)
    return row


def assistance_get(*, db: Session, request_id: int) -> AssistanceRequest:
    """A request for assistance by id, or 404."""
    row = db.get(AssistanceRequest, request_id)
    if row is None:
        raise NotFound([Problem("exchange.assistance_unknown", "", {"value": str(request_id)})])
    return row


def assistance_reply(*, db: Session, actor: str, request_id: int, outcome: str, answer: str,
                     documents: list[dict[str, Any]], now: datetime) -> AssistanceRequest:
    """Reply to a partner's request (once): what is given, or why it is declined; recorded and sent signed."""
    row = assistance_get(db=db, request_id=request_id)
    if row.direction != "in":
        raise Conflict([Problem("exchange.assistance_not_ours_to_answer", "", {"value": row.reference})])
    if row.state != "open":
        raise Conflict([Problem("exchange.assistance_closed", "", {"value": row.reference})])
    if outcome not in OUTCOMES:
        raise ValidationFailed([Problem("exchange.assistance_outcome_invalid", "/outcome", {"value": outcome[:20]})])
    payload = {"reference": row.reference, "outcome": outcome, "answer": answer, "documents": documents,
               "replied_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    message_send(db=db, actor=actor, partner=row.partner, doc_type="assistance_reply",
                 business_id=f"{row.reference}/reply", version=1, purpose=row.purpose, payload=payload, now=now)
    row.state, row.answer, row.documents, row.replied_by, row.replied_at = outcome, answer, documents, actor, now
    audit_append(db=db, actor=actor, actor_org=own_party(db=db), action=f"exchange.assistance_{outcome}",
                 target_type="assistance", target_id=row.reference,
                 detail={"partner": row.partner, "documents": len(documents)}, at=now)
    return row


def _when(value: str) -> datetime | None:
    """An RFC 3339 time with its offset, else None."""
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _text(value: object, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def request_received(db: Session, message: InMessage) -> list[str]:
    """A partner's request for assistance becomes an open request here, to answer by its deadline."""
    data = message.payload
    deadline = _when(data["deadline"]) if isinstance(data.get("deadline"), str) else None
    references = data.get("references", [])
    if not (_text(data.get("reference"), 80) and data["reference"] == message.business_id
            and _text(data.get("legal_basis"), 300) and _text(data.get("purpose"), 40)
            and _text(data.get("subject"), 200) and _text(data.get("questions"), 20_000) and deadline is not None
            and isinstance(references, list) and len(references) <= 50
            and all(_text(r, 40) for r in references)):
        return ["exchange.payload_invalid"]
    db.flush()  # the pass's earlier rows written first (the receiver flushes once per pass)
    db.add(AssistanceRequest(partner=message.sender, direction="in", reference=data["reference"],
                             legal_basis=data["legal_basis"], purpose=data["purpose"], subject=data["subject"],
                             questions=data["questions"], references=references, deadline=deadline, state="open",
                             documents=[], requested_by=f"partner:{message.sender}", created_at=message.received_at))
    audit_append(db=db, actor=f"partner:{message.sender}", actor_org=message.sender,
                 action="exchange.assistance_received", target_type="assistance", target_id=data["reference"],
                 detail={"legal_basis": data["legal_basis"], "purpose": data["purpose"], "references": references,
                         "deadline": data["deadline"]}, at=message.received_at)
    return []


def reply_received(db: Session, message: InMessage) -> list[str]:
    """A partner's reply settles the request we made (once); anything else is refused with a code."""
    data = message.payload
    documents = data.get("documents", [])
    if not (_text(data.get("reference"), 80) and data.get("outcome") in OUTCOMES
            and isinstance(data.get("answer"), str) and len(data["answer"]) <= 20_000
            and isinstance(documents, list) and len(documents) <= 100
            and all(isinstance(d, dict) for d in documents)):
        return ["exchange.payload_invalid"]
    row = db.scalar(select(AssistanceRequest).where(AssistanceRequest.partner == message.sender,
                                                    AssistanceRequest.direction == "out",
                                                    AssistanceRequest.reference == data["reference"]))
    if row is None:
        return ["exchange.assistance_unknown"]
    if row.state != "open":
        return ["exchange.assistance_closed"]
    replied = _when(data["replied_at"]) if isinstance(data.get("replied_at"), str) else None
    row.state, row.answer, row.documents = data["outcome"], data["answer"], documents
    row.replied_by, row.replied_at = f"partner:{message.sender}", replied or message.received_at
    audit_append(db=db, actor=f"partner:{message.sender}", actor_org=message.sender,
                 action=f"exchange.assistance_reply_{data['outcome']}", target_type="assistance",
                 target_id=row.reference, detail={"documents": len(documents)}, at=message.received_at)
    return []
