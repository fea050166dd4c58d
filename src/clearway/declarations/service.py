"""Declaration services: validate, store a lodgement, keep versions of an amendment, cancel.

Plain keyword-only functions; they flush, never commit: the caller owns the transaction, so a
change, its events and its audit record commit together or not at all. Journeys that need other
domains (duties, the channel, controls, release) are flows in `clearway.clearance`, which call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from clearway.audit.models import AuditRecord
from clearway.audit.service import audit_row
from clearway.auth.schemas import Principal
from clearway.config import get_settings
from clearway.declarations import lifecycle, mrn
from clearway.declarations.lifecycle import (
    SYSTEM,
    declaration_note,
    declaration_reroute,
    declaration_transition,
    event_row,
)
from clearway.declarations.models import Declaration, DeclarationEvent, DeclarationVersion
from clearway.declarations.schemas import DeclarationAmend, DeclarationCreate
from clearway.declarations.selectors import change_check
from clearway.declarations.validation import document_check
from clearway.errors import DeclarationInvalid, PreconditionFailed, Problem
from clearway.writes import PARENT_ID, Rows, insert_family

__all__ = ["Lodgement", "Step", "declaration_amend", "declaration_cancel", "declaration_check", "declaration_note",
           "declaration_reroute", "declaration_transition", "lodgement_prepare", "lodgement_write"]


def _party_ids(doc: DeclarationCreate) -> dict[str, str | None]:
    return {f"{role}_id": getattr(getattr(doc, role), "id", None)
            for role in ("importer", "exporter", "seller", "buyer")}


def document_total(doc: DeclarationCreate) -> Decimal:
    """The invoice total of a document: the sum of its items' values."""
    return sum((Decimal(item.value) for item in doc.items), Decimal(0))


def declaration_check(*, db: Session, raw: Any, actor: Principal, now: datetime,
                      model: type[DeclarationCreate] = DeclarationCreate, exclude_id: int | None = None,
                      declarant_code: str | None = None, always_check_lrn: bool = True) -> DeclarationCreate:
    """The validated document, or DeclarationInvalid listing every problem (nothing is written)."""
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


@dataclass(frozen=True)
class Lodgement:
    """A validated document about to be stored: its model, its JSON form, its total and its new MRN."""

    doc: DeclarationCreate
    document: dict[str, Any]
    total: Decimal
    mrn: str


@dataclass(frozen=True)
class Step:
    """One automatic lifecycle event written with a lodgement (after "lodged"), by the system."""

    kind: str
    before: str
    after: str
    reason: str | None
    code: str | None = None  # the reason as a message code ("event.<code>") with its params, for every language
    params: dict[str, Any] | None = None


def lodgement_prepare(*, db: Session, actor: Principal, raw: Any, now: datetime) -> Lodgement:
    """Validate a raw document and give it an MRN; nothing is written yet."""
    doc = declaration_check(db=db, raw=raw, actor=actor, now=now, always_check_lrn=False)
    number = mrn.mrn_new(year=now.year, country=get_settings().country, office=doc.office)
    return Lodgement(doc, doc.model_dump(mode="json", exclude_none=True), document_total(doc), number)


def lodgement_write(*, db: Session, actor: Principal, lodgement: Lodgement, status: str, channel: str,
                    reasons: list[dict[str, Any]], steps: Sequence[Step], children: Sequence[Rows],
                    now: datetime) -> Declaration:
    """Store a lodged declaration with its events, its audit record and the rows other domains add.

    Everything is one write (one statement on PostgreSQL: see `clearway.writes`). A duplicate LRN
    on an otherwise clean document surfaces as IntegrityError from the unique index; the caller
    turns it into the lrn.duplicate problem.
    """
    doc, number = lodgement.doc, lodgement.mrn
    values: dict[str, Any] = dict(
        mrn=number, lrn=doc.lrn, version=1, type=doc.type, office=doc.office, status=status, channel=channel,
        declarant_id=actor.organisation_code, lodged_by=actor.organisation_code, currency=doc.currency,
        total_value=lodgement.total, item_count=len(doc.items), document=lodgement.document,
        channel_reasons=reasons, lodged_at=now, updated_at=now, **_party_ids(doc),
    )
    declaration = Declaration(**values)
    events = [event_row(PARENT_ID, "lodged", None, "lodged", now, actor.username, actor.organisation_code, None, 1)]
    events += [event_row(PARENT_ID, s.kind, s.before, s.after, now, SYSTEM, SYSTEM, s.reason, 1, s.code, s.params)
               for s in steps]
    audit = audit_row(actor=actor.username, actor_org=actor.organisation_code, action="declaration.lodged",
                      target_type="declaration", target_id=number,
                      detail={"lrn": doc.lrn, "channel": channel, "status": status}, at=now)
    family = [Rows.of(DeclarationEvent, events), Rows.of(AuditRecord, [audit]), *children]
    declaration.id = insert_family(db.connection(), Rows.of(Declaration, [values]), family)
    # Known to the session as it now is in the database (no query), so later steps of the flow can change it.
    make_transient_to_detached(declaration)
    db.add(declaration)
    return declaration


def declaration_amend(*, db: Session, actor: Principal, declaration: Declaration, raw: Any,
                      expected_version: int, now: datetime) -> DeclarationCreate:
    """Replace the document with a new version, keeping the old one; the state rules apply.

    Returns the new document, for the flow to re-assess what depends on it.
    """
    if expected_version != declaration.version:
        raise PreconditionFailed([Problem("declaration.version_mismatch", "", {
            "expected": expected_version, "current": declaration.version})])
    change_check(actor=actor, declaration=declaration)
    lifecycle.amend_check(status=declaration.status, role=actor.role)
    doc = declaration_check(db=db, raw=raw, actor=actor, now=now, model=DeclarationAmend,
                            exclude_id=declaration.id, declarant_code=declaration.declarant_id)
    assert isinstance(doc, DeclarationAmend)
    db.add(DeclarationVersion(declaration_id=declaration.id, version=declaration.version,
                              document=declaration.document, superseded_at=now, superseded_by=actor.username))
    declaration.version += 1
    declaration.document = doc.model_dump(mode="json", exclude_none=True, exclude={"reason"})
    declaration.lrn, declaration.office, declaration.type = doc.lrn, doc.office, doc.type
    declaration.currency, declaration.total_value = doc.currency, document_total(doc)
    declaration.item_count, declaration.updated_at = len(doc.items), now
    for key, value in _party_ids(doc).items():
        setattr(declaration, key, value)
    db.flush()
    db.execute(insert(DeclarationEvent), [event_row(
        declaration.id, "amended", declaration.status, declaration.status, now, actor.username,
        actor.organisation_code, doc.reason, declaration.version)])
    db.execute(insert(AuditRecord), [audit_row(
        actor=actor.username, actor_org=actor.organisation_code, action="declaration.amended",
        target_type="declaration", target_id=declaration.mrn,
        detail={"version": declaration.version, "reason": doc.reason}, at=now)])
    return doc


def declaration_cancel(*, db: Session, actor: Principal, declaration: Declaration, reason: str,
                       now: datetime) -> Declaration:
    """Withdraw a declaration when its state allows it."""
    change_check(actor=actor, declaration=declaration)
    lifecycle.cancel_check(status=declaration.status, role=actor.role)
    return declaration_transition(db=db, actor=actor, declaration=declaration, target="cancelled",
                                  reason=reason, now=now)
