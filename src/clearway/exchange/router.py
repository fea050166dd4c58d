"""Exchange JSON API under /api/v1/exchange.

Partners call `inbox`, `pull`, `acks` and `keys` machine to machine: they carry no bearer token, because every
envelope, pull request and receipt is signed and checked against the partner directory. Customs staff read the
partners and messages; analysts and admins send; officers, analysts and admins ask for and give assistance and
review mirror lines.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.exchange import directory, selectors
from clearway.exchange.assistance import assistance_get, assistance_reply, assistance_request
from clearway.exchange.handlers import HANDLERS
from clearway.exchange.inbox import envelopes_receive
from clearway.exchange.models import Partner
from clearway.exchange.pull import pull_answer
from clearway.exchange.review import mirror_review
from clearway.exchange.schemas import (
    AckRead,
    AssistanceCreate,
    AssistanceRead,
    AssistanceReply,
    EnvelopeBatch,
    KeysRead,
    MessageCreate,
    MessagePage,
    MessageRead,
    MirrorPage,
    MirrorRead,
    MirrorReview,
    PartnerRead,
    PreArrivalPage,
    PulledBatch,
    ReceiptBatch,
)
from clearway.exchange.service import message_send, receipts_apply
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/exchange", tags=["exchange"])
Staff = Annotated[Principal, Depends(roles("officer", "analyst", "admin", "auditor"))]
Sender = Annotated[Principal, Depends(roles("analyst", "admin"))]
# Officers ask partners for assistance, answer their requests and review mirror lines, as analysts and admins do.
Acting = Annotated[Principal, Depends(roles("officer", "analyst", "admin"))]
PartnerCode = Annotated[str, Path(min_length=2, max_length=8, pattern="^[A-Z0-9]+$")]


@router.post("/inbox", operation_id="exchangeReceive", responses=PROBLEMS)
def inbox(batch: EnvelopeBatch, db: DbSession) -> ReceiptBatch:
    """A partner pushes signed envelopes; each gets a signed receipt (accepted, rejected, pending or refused)."""
    with db.begin():
        return ReceiptBatch(receipts=envelopes_receive(db=db, envelopes=batch.envelopes, now=utcnow(),
                                                       handlers=HANDLERS))


@router.post("/pull", operation_id="exchangePull", responses=PROBLEMS)
def pull(request: Annotated[dict[str, Any], Body()], db: DbSession) -> PulledBatch:
    """A partner's signed pull request: the envelopes held for it past what it has applied, in stream order."""
    with db.begin():
        return PulledBatch(envelopes=pull_answer(db=db, request=request, now=utcnow()))


@router.post("/acks", operation_id="exchangeAcknowledge", responses=PROBLEMS)
def acks(batch: ReceiptBatch, db: DbSession) -> AckRead:
    """A partner's signed receipts for what it pulled; unsigned or forged ones change nothing."""
    totals = {"settled": 0, "held": 0, "refused": 0, "ignored": 0}
    by_partner: dict[str, list[Any]] = {}
    for receipt in batch.receipts:
        body = receipt.get("receipt")
        sender = body.get("sender") if isinstance(body, dict) else None
        by_partner.setdefault(sender if isinstance(sender, str) else "", []).append(receipt)
    with db.begin():
        for sender, receipts in by_partner.items():
            if not sender or db.get(Partner, sender[:8]) is None:
                totals["ignored"] += len(receipts)
                continue
            for name, n in receipts_apply(db=db, partner=sender, receipts=receipts, now=utcnow()).items():
                totals[name] += n
    return AckRead(**totals)


@router.get("/keys", operation_id="exchangeKeys", responses=PROBLEMS)
def keys(db: DbSession) -> KeysRead:
    """Our administration's code and valid public keys, for partners to verify our envelopes and receipts."""
    with db.begin():
        return KeysRead(party=directory.own_party(db=db), keys=directory.own_public_keys(db=db, now=utcnow()))


@router.get("/partners", operation_id="listExchangePartners", responses=PROBLEMS)
def partners(db: DbSession, actor: Staff) -> list[PartnerRead]:
    """Every partner administration with its agreement and figures: counts each way, lag, error rate."""
    with db.begin():
        return selectors.partners(db=db, now=utcnow())


@router.get("/partners/{partner}", operation_id="readExchangePartner", responses=PROBLEMS)
def partner(partner: PartnerCode, db: DbSession, actor: Staff) -> PartnerRead:
    """One partner administration with its figures."""
    with db.begin():
        return selectors.partner_summary(db=db, partner=directory.partner_get(db=db, code=partner), now=utcnow())


@router.get("/messages", operation_id="listExchangeMessages", responses=PROBLEMS)
def messages(db: DbSession, actor: Staff, direction: Literal["out", "in"] = "out",
             partner: Annotated[str | None, Query(min_length=2, max_length=8, pattern="^[A-Z0-9]+$")] = None,
             state: Literal["pending", "received", "accepted", "rejected"] | None = None,
             before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> MessagePage:
    """Messages sent (`out`) or received (`in`), newest first."""
    with db.begin():
        items, next_before = selectors.messages(db=db, partner=partner, direction=direction, state=state,
                                                before=before, limit=limit)
    return MessagePage(items=items, next_before=next_before)


@router.post("/partners/{partner}/messages", status_code=201, operation_id="sendExchangeMessage",
             responses=PROBLEMS)
def send(partner: PartnerCode, body: MessageCreate, db: DbSession, actor: Sender) -> MessageRead:
    """Queue a signed message for a partner (the same business id and version again gives the same message)."""
    with db.begin():
        row = message_send(db=db, actor=actor.username, partner=partner, doc_type=body.doc_type,
                           business_id=body.business_id, version=body.version, purpose=body.purpose,
                           payload=body.payload, now=utcnow())
        db.flush()  # the row's id
        return selectors.message_read_out(row)


@router.get("/prearrivals", operation_id="listExchangePreArrivals", responses=PROBLEMS)
def prearrivals(db: DbSession, actor: Staff,
                partner: Annotated[str | None, Query(min_length=2, max_length=8, pattern="^[A-Z0-9]+$")] = None,
                state: Literal["scored", "not_scored"] | None = None,
                before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> PreArrivalPage:
    """Partners' export declarations received as pre-arrival data, newest first, each with our risk engine's
    decision made on its arrival (channel, score, reasons) or why it could not be scored."""
    with db.begin():
        items, next_before = selectors.prearrivals(db=db, partner=partner, state=state, before=before, limit=limit)
    return PreArrivalPage(items=items, next_before=next_before)


@router.get("/mirror", operation_id="exchangeMirrorReport", responses=PROBLEMS)
def mirror(db: DbSession, actor: Staff, gap: bool | None = None,
           partner: Annotated[str | None, Query(min_length=2, max_length=8, pattern="^[A-Z0-9]+$")] = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> MirrorPage:
    """The mirror report: our imports set against partners' export declarations (value, quantity, HS code,
    origin), gaps beyond tolerance first to look at; `gap=true` for those only."""
    with db.begin():
        return selectors.mirror_report(db=db, gap=gap, partner=partner, limit=limit)


@router.post("/mirror/{line_id}/review", operation_id="reviewExchangeMirrorLine", responses=PROBLEMS)
def mirror_line_review(line_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: MirrorReview, db: DbSession,
                       actor: Acting) -> MirrorRead:
    """Acknowledge a mirror line with a gap (explained) or escalate it, with the reason; audited."""
    with db.begin():
        return selectors.mirror_read(mirror_review(db=db, actor=actor, line_id=line_id,
                                                   action=body.action, note=body.note, now=utcnow()))


@router.post("/partners/{partner}/assistance", status_code=201, operation_id="requestExchangeAssistance",
             responses=PROBLEMS)
def assistance_create(partner: PartnerCode, body: AssistanceCreate, db: DbSession, actor: Acting) -> AssistanceRead:
    """Ask a partner administration for assistance (WTO TFA art. 12); sent signed, recorded on both sides."""
    with db.begin():
        now = utcnow()
        row = assistance_request(db=db, actor=actor.username, partner=partner, purpose=body.purpose,
                                 legal_basis=body.legal_basis, subject=body.subject, questions=body.questions,
                                 references=body.references, deadline=body.deadline, now=now)
        return selectors.assistance_read(row, now)


@router.get("/assistance", operation_id="listExchangeAssistance", responses=PROBLEMS)
def assistance_index(db: DbSession, actor: Staff, direction: Literal["out", "in"] | None = None,
                     state: Literal["open", "answered", "declined"] | None = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[AssistanceRead]:
    """Requests for assistance we made (`out`) and received (`in`), newest first, with what was given."""
    with db.begin():
        return selectors.assistance_list(db=db, now=utcnow(), direction=direction, state=state, limit=limit)


@router.get("/assistance/{assistance_id}", operation_id="readExchangeAssistance", responses=PROBLEMS)
def assistance_one(assistance_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: DbSession,
                   actor: Staff) -> AssistanceRead:
    """One request for assistance, each side's record of it."""
    with db.begin():
        return selectors.assistance_read(assistance_get(db=db, request_id=assistance_id), utcnow())


@router.post("/assistance/{assistance_id}/reply", operation_id="replyExchangeAssistance", responses=PROBLEMS)
def assistance_answer(assistance_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: AssistanceReply, db: DbSession,
                      actor: Acting) -> AssistanceRead:
    """Answer (or decline) a partner's request, once; the reply is sent signed."""
    with db.begin():
        now = utcnow()
        row = assistance_reply(db=db, actor=actor.username, request_id=assistance_id, outcome=body.outcome,
                               answer=body.answer, documents=body.documents, now=now)
        return selectors.assistance_read(row, now)
