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
from clearway.declarations import channelling, lifecycle, mrn
from clearway.declarations.models import Declaration, DeclarationEvent, DeclarationVersion
from clearway.declarations.schemas import DeclarationAmend, DeclarationCreate
from clearway.declarations.validation import document_check
from clearway.errors import DeclarationInvalid, PreconditionFailed, Problem
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


def _decide(document: dict[str, Any], total: Decimal,
            context: channelling.ChannelContext) -> tuple[str, channelling.ChannelDecision]:
    """The automatic steps after acceptance: the channel, then release or control."""
    decision = channelling.channel_decide(document=document, total_value=total, context=context)
    return ("released" if decision.channel in ("green", "blue") else "under_control"), decision


def _lodgement_events(declaration_id: Any, number: str, actor: Principal, now: datetime,
                      decision: channelling.ChannelDecision) -> list[dict[str, Any]]:
    reason = "; ".join(r["text"] for r in decision.reasons)
    sys = (now, SYSTEM, SYSTEM)
    events = [
        _event(declaration_id, "lodged", None, "lodged", now, actor.username, actor.organisation_code, None, 1),
        _event(declaration_id, "accepted", "lodged", "accepted", *sys, f"MRN {number}", 1),
        _event(declaration_id, "assessed", "accepted", "assessed", *sys, "duties assessed", 1),
        _event(declaration_id, "channelled", "assessed", "channelled", *sys, f"{decision.channel}: {reason}", 1),
    ]
    if decision.channel in ("green", "blue"):
        events.append(_event(declaration_id, "released", "channelled", "released", *sys,
                             f"{decision.channel} channel: automatic release", 1))
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
    document = doc.model_dump(mode="json", exclude_none=True)
    # Risk engine seam: the decider may use who lodged, when, and this transaction.
    context = channelling.ChannelContext(declarant=actor.organisation_code, lodged_at=now, db=db)
    status, decision = _decide(document, total, context)
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
    children = [Rows(DeclarationEvent.__table__, _lodgement_events(PARENT_ID, number, actor, now, decision)),
                Rows(AuditRecord.__table__, [audit]), *(extra_rows(declaration) if extra_rows else ())]
    declaration.id = insert_family(db.connection(), Rows(Declaration.__table__, [values]), children)
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
    return declaration


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
