"""Enforcement reads: cases, their leads, and the FIU referral package (JSON and HTML summary)."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.enforcement.access import is_fiu
from clearway.enforcement.models import CaseLead, LaunderingCase
from clearway.enforcement.schemas import (
    Bin,
    CaseRead,
    CaseSummary,
    Comparable,
    ItemEvidence,
    LeadRead,
    Money,
    PriceEvidence,
    Referral,
)
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


def case_for(db: Session, actor: Principal, reference: str) -> LaunderingCase:
    """The case if the actor may see it: analysts every case, the FIU only those referred to it (404 otherwise)."""
    case = case_get(db, reference)
    if is_fiu(actor) and case.status != "referred":
        raise NotFound([Problem("enforcement.case_unknown", "/reference", {"reference": reference[:24]})])
    return case


def cases_for(db: Session, actor: Principal, *, limit: int = 100) -> list[CaseSummary]:
    """The cases the actor may see, newest first, with their lead counts."""
    query = select(LaunderingCase).order_by(LaunderingCase.id.desc()).limit(limit)
    if is_fiu(actor):
        query = query.where(LaunderingCase.status == "referred")
    cases = list(db.scalars(query))
    counts = dict(db.execute(select(CaseLead.case_id, func.count()).where(CaseLead.case_id.in_([c.id for c in cases]))
                             .group_by(CaseLead.case_id)).tuples().all())
    return [CaseSummary(reference=c.reference, title=c.title, status=c.status, marking=c.marking,
                        opened_at=c.opened_at, referred_at=c.referred_at, leads=counts.get(c.id, 0)) for c in cases]


def _money(value: float | None, currency: str) -> Money | None:
    if value is None or not math.isfinite(value):
        return None
    places = Decimal("0.01") if abs(value) >= 1 else Decimal("0.0001")
    return Money(amount=str(Decimal(repr(value)).quantize(places, rounding=ROUND_HALF_EVEN)), currency=currency)


def evidence_read(mrn: str, currency: str, items: list[dict[str, Any]]) -> PriceEvidence:
    """The API shape of `evidence.price_evidence`: money as Decimal strings with the declaration's currency."""
    out = []
    for it in items:
        cur = it["currency"]
        out.append(ItemEvidence(
            item=it["item"], hs6=it["hs6"], origin=it["origin"], unit=it["unit"],
            unit_value_kg=_money(it["unit_value_kg"], cur), unit_value_unit=_money(it["unit_value_unit"], cur),
            reference_kg=_money(it["reference_kg"], cur), reference_unit=_money(it["reference_unit"], cur),
            spread=it["spread"], n=it["n"], trimmed=it["trimmed"], deviation=it["deviation"], ratio=it["ratio"],
            comparables=[Comparable(ref=c["ref"], period=c["period"], kept=c["kept"],
                                    unit_value_kg=_money(c["unit_value_kg"], cur) or Money(amount="0", currency=cur),
                                    unit_value_unit=_money(c["unit_value_unit"], cur))
                         for c in it["comparables"]],
            distribution=[Bin(low=_money(b["from"], cur) or Money(amount="0", currency=cur),
                              high=_money(b["to"], cur) or Money(amount="0", currency=cur), count=b["count"],
                              this=b["this"]) for b in it["histogram"]]))
    return PriceEvidence(mrn=mrn, currency=currency, items=out)
