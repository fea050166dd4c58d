"""Enforcement reads: cases, their leads, and the FIU referral package (JSON and HTML summary)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.enforcement.models import CaseLead, LaunderingCase
from clearway.enforcement.schemas import CaseRead, LeadRead, Referral
from clearway.errors import NotFound, Problem


def case_get(db: Session, reference: str) -> LaunderingCase:
    """The case with this reference, or 404."""
    case = db.scalar(select(LaunderingCase).where(LaunderingCase.reference == reference))
    if case is None:
        raise NotFound([Problem("enforcement.case_unknown", "/reference", {"reference": reference[:24]})])
    return case


def cases_list(db: Session, *, limit: int = 100) -> list[LaunderingCase]:
    """Newest cases first."""
    return list(db.scalars(select(LaunderingCase).order_by(LaunderingCase.id.desc()).limit(limit)))


def case_read(db: Session, case: LaunderingCase) -> CaseRead:
    """A case with its leads, best-scored first."""
    leads = db.scalars(select(CaseLead).where(CaseLead.case_id == case.id).order_by(CaseLead.score.desc()))
    return CaseRead(reference=case.reference, title=case.title, status=case.status, marking=case.marking,
                    opened_by=case.opened_by, opened_at=case.opened_at, referred_at=case.referred_at,
                    notes=case.notes,
                    leads=[LeadRead(id=lead.id, kind=lead.kind, score=lead.score,  # type: ignore[arg-type]
                                    explanation=lead.explanation, parties=lead.parties, evidence=lead.evidence,
                                    added_at=lead.added_at) for lead in leads])


def referral(db: Session, case: LaunderingCase, *, now: datetime) -> Referral:
    """The structured referral package for the FIU, with the case's marking."""
    read = case_read(db, case)
    indicators = sorted({code for lead in read.leads for code in lead.evidence.get("indicators", [])})
    parties = sorted({p for lead in read.leads for p in lead.parties})
    return Referral(marking=case.marking, case=read, indicators=indicators, parties=parties, generated_at=now)
