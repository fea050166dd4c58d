"""Enforcement writes: open a case with its leads, add leads, refer a case to the FIU. Caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.enforcement.models import CaseLead, LaunderingCase
from clearway.enforcement.schemas import CaseCreate, CaseUpdate, LeadCreate
from clearway.errors import Conflict, Problem


def case_open(*, db: Session, actor: Principal, body: CaseCreate, now: datetime) -> LaunderingCase:
    """Open a case with its first leads; the reference is ENF-<year>-<sequence>."""
    count = db.scalar(select(func.count()).select_from(LaunderingCase)) or 0
    case = LaunderingCase(reference=f"ENF-{now.year}-{count + 1:05d}", title=body.title, status="open",
                           marking=body.marking, opened_by=actor.username, opened_at=now, notes=body.notes)
    db.add(case)
    db.flush()
    for lead in body.leads:
        lead_add(db=db, case=case, lead=lead, now=now)
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="enforcement.case_opened",
                 target_type="enforcement_case", target_id=case.reference, at=now)
    return case


def lead_add(*, db: Session, case: LaunderingCase, lead: LeadCreate, now: datetime) -> CaseLead:
    """Add a lead to an open case."""
    if case.status != "open":
        raise Conflict([Problem("enforcement.case_not_open", "/reference", {"status": case.status})])
    row = CaseLead(case_id=case.id, kind=lead.kind, score=lead.score, explanation=lead.explanation,
                   parties=list(lead.parties), evidence=dict(lead.evidence), added_at=now)
    db.add(row)
    db.flush()
    return row


def case_refer(*, db: Session, actor: Principal, case: LaunderingCase, now: datetime) -> LaunderingCase:
    """Mark a case referred to the FIU (once); the package is built from it by `selectors.referral`."""
    if case.status != "open":
        raise Conflict([Problem("enforcement.case_not_open", "/reference", {"status": case.status})])
    case.status = "referred"
    case.referred_at = now
    db.flush()
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="enforcement.case_referred",
                 target_type="enforcement_case", target_id=case.reference, detail={"marking": case.marking}, at=now)
    return case


def case_update(*, db: Session, actor: Principal, case: LaunderingCase, body: CaseUpdate,
                now: datetime) -> LaunderingCase:
    """Change a case's wording or marking, or close it; a referred case keeps what the FIU received."""
    if case.status == "closed" or (case.status == "referred" and (body.title or body.marking)):
        raise Conflict([Problem("enforcement.case_not_open", "/reference", {"status": case.status})])
    changed = body.model_dump(exclude_none=True)
    for name, value in changed.items():
        setattr(case, name, value)
    db.flush()
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="enforcement.case_updated",
                 target_type="enforcement_case", target_id=case.reference, detail={"fields": sorted(changed)}, at=now)
    return case


def referral_read_audited(*, db: Session, actor: Principal, case: LaunderingCase, now: datetime) -> None:
    """Record that someone read a referral package (the FIU's reads and the analysts' alike)."""
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="enforcement.referral_read",
                 target_type="enforcement_case", target_id=case.reference, at=now)
