"""Declaration services: lodge, amend, cancel and move through the lifecycle.

Plain keyword-only functions; they flush, never commit: the caller owns the transaction, so a
change, its events and its audit record commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clearway.audit.models import AuditRecord
from clearway.audit.service import audit_row
from clearway.auth.schemas import Principal
from clearway.config import get_settings
from clearway.controls import intake  # controls: a yellow or red lodgement opens its task
from clearway.declarations import channelling, lifecycle, mrn
from clearway.declarations.models import Declaration, DeclarationEvent, DeclarationVersion
from clearway.declarations.schemas import DeclarationAmend, DeclarationCreate
from clearway.declarations.validation import document_check
from clearway.errors import DeclarationInvalid, PreconditionFailed, Problem
from clearway.tariff import service as tariff  # the "assessed" step: duties, payment or guarantee before release
from clearway.writes import PARENT_ID, Rows, insert_family

SYSTEM = "system"
_CONTROL_TEXT = {"yellow": "documentary check", "red": "physical inspection"}


def _party_ids(doc: DeclarationCreate) -> dict[str, str | None]:
    return {f"{role}_id": getattr(getattr(doc, role), "id", None)
            for role in ("importer", "exporter", "seller", "buyer")}


def _total(doc: DeclarationCreate) -> Decimal:
    return sum((Decimal(item.value) for item in doc.items), Decimal(0))


def _event(declaration_id: Any, kind: str, before: str | None, after: str, at: datetime,
           actor: str, actor_org: str, reason: str | None, version: int) -> dict[str, Any]:
    return {"declaration_id": declaration_id, "kind": kind, "from_status": before, "to_status": after,
            "at": at, "actor": actor, "actor_org": actor_org, "reason": reason, "version": version}


def _checked(*, db: Session, raw: Any, actor: Principal, now: datetime, model: type[DeclarationCreate],
             exclude_id: int | None = None, declarant_code: str | None = None,
             always_check_lrn: bool = True) -> DeclarationCreate:
    declarant = declarant_code or actor.organisation_code
    doc, problems = document_check(raw=raw, declarant_code=declarant, on=now.date(), model=model)
    lrn = raw.get("lrn") if isinstance(raw, dict) else None
    # On the lodging hot path a clean document skips this query: the unique index on
    # (declarant_id, lrn) refuses a duplicate at insert time. With other problems present, the
    # query runs so the answer lists every problem at once.
    if isinstance(lrn, str) and (always_check_lrn or problems):
        query = select(Declaration.id).where(Declaration.declarant_id == declarant, Declaration.lrn == lrn)
        if exclude_id is not None:
            query = query.where(Declaration.id != exclude_id)
        if db.execute(query).first() is not None:
            problems.append(Problem("lrn.duplicate", "/lrn", {"value": lrn}))
    if problems or doc is None:
        raise DeclarationInvalid(problems)
    return doc


def _decide(document: dict[str, Any], total: Decimal, context: channelling.ChannelContext,
            cleared: bool = True) -> tuple[str, channelling.ChannelDecision]:
    """The automatic steps after acceptance: the channel, then release (once duties are covered) or control."""
    decision = channelling.channel_decide(document=document, total_value=total, context=context)
    if decision.channel not in ("green", "blue"):
        return "under_control", decision
    # Tariff: green or blue goods with duty neither paid nor secured wait in "channelled" (WTO TFA 7.3).
    return ("released" if cleared else "channelled"), decision


def _lodgement_events(declaration_id: Any, number: str, actor: Principal, now: datetime,
                      decision: channelling.ChannelDecision, bill: tariff.Bill) -> list[dict[str, Any]]:
    reason = "; ".join(r["text"] for r in decision.reasons)
    sys = (now, SYSTEM, SYSTEM)
    reference = tariff.payment_reference_of(number, 1)  # tariff: the bill, its payment reference and warnings
    events = [
        _event(declaration_id, "lodged", None, "lodged", now, actor.username, actor.organisation_code, None, 1),
        _event(declaration_id, "accepted", "lodged", "accepted", *sys, f"MRN {number}", 1),
        _event(declaration_id, "assessed", "accepted", "assessed", *sys, bill.assessed_text(reference), 1),
    ]
    # Tariff: a deferment charge at lodging is the payment (TRS "paid" milestone), at the time of the charge.
    if (paid := bill.paid_text(reference)) is not None:
        events.append(_event(declaration_id, "paid", "assessed", "assessed", *sys, paid, 1))
    events.append(_event(declaration_id, "channelled", "assessed", "channelled", *sys,
                         f"{decision.channel}: {reason}", 1))
    if decision.channel in ("green", "blue") and not bill.cleared:
        events.append(_event(declaration_id, "awaiting_payment", "channelled", "channelled", *sys,
                             bill.awaiting_text(reference), 1))
    elif decision.channel in ("green", "blue"):
        events.append(_event(declaration_id, "released", "channelled", "released", *sys,
                             bill.released_text(decision.channel), 1))
    else:
        events.append(_event(declaration_id, "control_started", "channelled", "under_control", *sys,
                             _CONTROL_TEXT[decision.channel], 1))
    return events


def declaration_lodge(*, db: Session, actor: Principal, raw: Any, now: datetime,
                      extra_rows: Callable[[Declaration], Sequence[Rows]] | None = None) -> Declaration:
    """Validate a raw document and store it as an accepted, channelled declaration with its events.

    `extra_rows` lets the caller store rows of its own in the same write, built from the new
    declaration (the API stores its idempotency record this way). A duplicate LRN on an
    otherwise clean document surfaces as IntegrityError from the unique index; the caller turns
    it into the lrn.duplicate problem.
    """
    doc = _checked(db=db, raw=raw, actor=actor, now=now, model=DeclarationCreate, always_check_lrn=False)
    total = _total(doc)
    # Tariff: the duties (refused with coded problems when not computable), warnings, cover of an amount due.
    bill = tariff.lodging_assess(db=db, document=doc, declarant=actor.organisation_code, on=now.date())
    document = doc.model_dump(mode="json", exclude_none=True)
    # Risk engine seam: the decider may use who lodged, when, and this transaction.
    context = channelling.ChannelContext(declarant=actor.organisation_code, lodged_at=now, db=db)
    status, decision = _decide(document, total, context, bill.cleared)
    number = mrn.mrn_new(year=now.year, country=get_settings().country, office=doc.office)
    values: dict[str, Any] = dict(
        mrn=number, lrn=doc.lrn, version=1, type=doc.type, office=doc.office, status=status,
        channel=decision.channel, declarant_id=actor.organisation_code, lodged_by=actor.organisation_code,
        currency=doc.currency, total_value=total, item_count=len(doc.items), document=document,
        channel_reasons=decision.reasons, lodged_at=now, updated_at=now, **_party_ids(doc),
    )
    declaration = Declaration(**values)
    audit = audit_row(actor=actor.username, actor_org=actor.organisation_code, action="declaration.lodged",
                      target_type="declaration", target_id=number,
                      detail={"lrn": doc.lrn, "channel": decision.channel, "status": status}, at=now)
    children = [Rows.of(DeclarationEvent, _lodgement_events(PARENT_ID, number, actor, now, decision, bill)),
                Rows.of(AuditRecord, [audit]),
                # Controls: a yellow or red declaration opens its control task in the same write.
                *intake.lodgement_rows(channel=decision.channel, office=doc.office, reasons=decision.reasons,
                                       items=document["items"], now=now),
                # Tariff: assessment, its lines and revenue (and a cover) join the declaration's write.
                *tariff.bill_rows(bill, mrn=number, office=doc.office, payer=actor.organisation_code, now=now),
                *(extra_rows(declaration) if extra_rows else ())]
    declaration.id = insert_family(db.connection(), Rows.of(Declaration, [values]), children)
    # Risk engine seam: store the decision's explanation with the declaration (a no-op by default).
    channelling.channel_record(db=db, declaration_id=declaration.id, mrn=number, decision=decision, now=now)
    return declaration


def declaration_amend(*, db: Session, actor: Principal, declaration: Declaration, raw: Any,
                      expected_version: int, now: datetime) -> Declaration:
    """Replace the document with a new version, keeping the old one; the state rules apply."""
    if expected_version != declaration.version:
        raise PreconditionFailed([Problem("declaration.version_mismatch", "", {
            "expected": expected_version, "current": declaration.version})])
    lifecycle.amend_check(status=declaration.status, role=actor.role)
    doc = _checked(db=db, raw=raw, actor=actor, now=now, model=DeclarationAmend,
                   exclude_id=declaration.id, declarant_code=declaration.declarant_id)
    assert isinstance(doc, DeclarationAmend)
    db.add(DeclarationVersion(declaration_id=declaration.id, version=declaration.version,
                              document=declaration.document, superseded_at=now, superseded_by=actor.username))
    document = doc.model_dump(mode="json", exclude_none=True, exclude={"reason"})
    declaration.version += 1
    declaration.document = document
    declaration.lrn, declaration.office, declaration.type = doc.lrn, doc.office, doc.type
    declaration.currency, declaration.total_value = doc.currency, _total(doc)
    declaration.item_count, declaration.updated_at = len(doc.items), now
    for key, value in _party_ids(doc).items():
        setattr(declaration, key, value)
    db.add(DeclarationEvent(**_event(declaration.id, "amended", declaration.status, declaration.status, now,
                                     actor.username, actor.organisation_code, doc.reason, declaration.version)))
    db.execute(insert(AuditRecord), [audit_row(
        actor=actor.username, actor_org=actor.organisation_code, action="declaration.amended",
        target_type="declaration", target_id=declaration.mrn,
        detail={"version": declaration.version, "reason": doc.reason}, at=now)])
    db.flush()
    _reassess(db, declaration, doc, now)
    return declaration


def _reassess(db: Session, declaration: Declaration, doc: DeclarationCreate, now: datetime) -> None:
    """Tariff: an amendment re-assesses the duties; release follows if money was all that held it."""
    text = tariff.assessment_amend(db=db, declaration=declaration, document=doc, now=now)
    if text is None:
        return
    db.add(DeclarationEvent(**_event(declaration.id, "reassessed", declaration.status, declaration.status, now,
                                     SYSTEM, SYSTEM, text, declaration.version)))
    db.flush()
    tariff.release_if_cleared(db=db, declaration=declaration, reason="duties covered after amendment: release",
                              now=now)


def declaration_transition(*, db: Session, actor: Principal, declaration: Declaration, target: str,
                           reason: str | None, now: datetime, kind: str | None = None) -> Declaration:
    """Move a declaration along one edge of the state machine, with its event and audit record."""
    lifecycle.transition_check(current=declaration.status, target=target)
    before = declaration.status
    declaration.status, declaration.updated_at = target, now
    db.add(DeclarationEvent(**_event(declaration.id, kind or target, before, target, now, actor.username,
                                     actor.organisation_code, reason, declaration.version)))
    db.execute(insert(AuditRecord), [audit_row(
        actor=actor.username, actor_org=actor.organisation_code, action=f"declaration.{kind or target}",
        target_type="declaration", target_id=declaration.mrn,
        detail={"from": before, "to": target, "reason": reason}, at=now)])
    db.flush()
    return declaration


def declaration_cancel(*, db: Session, actor: Principal, declaration: Declaration, reason: str,
                       now: datetime) -> Declaration:
    """Withdraw a declaration when its state allows it."""
    lifecycle.cancel_check(status=declaration.status, role=actor.role)
    return declaration_transition(db=db, actor=actor, declaration=declaration, target="cancelled",
                                  reason=reason, now=now)


# Controls hooks: events that change no status (documents requested, inspection scheduled, duty
# adjusted...) and re-routing, which changes the channel. Both write the event and the audit record
# exactly as transitions do, so the timeline, release-time measurement and notifications see them.
def declaration_note(*, db: Session, actor: Principal, declaration: Declaration, kind: str, reason: str | None,
                     now: datetime) -> None:
    """Record an event that leaves the status as it is, with its audit record."""
    db.add(DeclarationEvent(**_event(declaration.id, kind, declaration.status, declaration.status, now,
                                     actor.username, actor.organisation_code, reason, declaration.version)))
    db.execute(insert(AuditRecord), [audit_row(
        actor=actor.username, actor_org=actor.organisation_code, action=f"declaration.{kind}",
        target_type="declaration", target_id=declaration.mrn, detail={"reason": reason}, at=now)])
    db.flush()


def declaration_reroute(*, db: Session, actor: Principal, declaration: Declaration, channel: str,
                        target: str | None, reason: str, now: datetime) -> Declaration:
    """Change a declaration's channel, and its status when `target` is given, audited as a re-routing."""
    declaration.channel = channel
    if target is None:
        declaration_note(db=db, actor=actor, declaration=declaration, kind="rerouted", reason=f"{channel}: {reason}",
                         now=now)
        return declaration
    return declaration_transition(db=db, actor=actor, declaration=declaration, target=target,
                                  reason=f"{channel}: {reason}", now=now, kind="rerouted")
