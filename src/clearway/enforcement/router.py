"""The enforcement API under /api/v1/enforcement: a declaration's price evidence, the ranked leads, FIU cases
(analysts write; the FIU reads what was referred to it) and the referral package with its JSON Schema.
Thin: parse, authorise, call one service in one transaction, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from clearway.db import utcnow
from clearway.declarations import selectors as declarations
from clearway.deps import DbSession
from clearway.enforcement import evidence, selectors, service
from clearway.enforcement.access import Analyst, Reader
from clearway.enforcement.schemas import (
    CaseCreate,
    CaseFromLeads,
    CaseList,
    CaseRead,
    CaseUpdate,
    LeadCreate,
    LeadFound,
    LeadFoundList,
    PriceEvidence,
    Referral,
)
from clearway.errors import NotFound, Problem, ValidationFailed
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/enforcement", tags=["enforcement"])
Reference = Annotated[str, Path(pattern=r"^ENF-[0-9]{4}-[0-9]{5}$")]
Mrn = Annotated[str, Path(pattern=r"^[0-9A-Z]{18}$")]


@router.get("/declarations/{mrn}/price-evidence", operation_id="getPriceEvidence", responses=PROBLEMS)
def price_evidence(mrn: Mrn, db: DbSession, actor: Analyst) -> PriceEvidence:
    """Each item's price per kg and per unit against the trimmed reference of earlier lines (audited read)."""
    with db.begin():
        declaration = declarations.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        items = evidence.price_evidence(evidence.lines_of(db), declaration)
        return selectors.evidence_read(declaration.mrn, declaration.currency, items)


@router.get("/leads", operation_id="listEnforcementLeads", responses=PROBLEMS)
def leads(db: DbSession, actor: Analyst) -> LeadFoundList:
    """Ranked, explained leads: indicator and price hits of the last 30 days, circular flows."""
    with db.begin():
        found = evidence.leads(evidence.lines_of(db), now=utcnow())
    return LeadFoundList(items=[LeadFound(**lead) for lead in found])


@router.get("/cases", operation_id="listEnforcementCases", responses=PROBLEMS)
def cases(db: DbSession, actor: Reader) -> CaseList:
    """Cases: an analyst every case, the FIU those referred to it."""
    with db.begin():
        return CaseList(items=selectors.cases_for(db, actor))


@router.post("/cases", status_code=201, operation_id="openEnforcementCase", responses=PROBLEMS)
def case_open(body: CaseCreate, db: DbSession, actor: Analyst) -> CaseRead:
    """Open a case with its leads."""
    with db.begin():
        case = service.case_open(db=db, actor=actor, body=body, now=utcnow())
        return selectors.case_read(db, case)


@router.post("/cases/from-leads", status_code=201, operation_id="openEnforcementCaseFromLeads", responses=PROBLEMS)
def case_from_leads(body: CaseFromLeads, db: DbSession, actor: Analyst) -> CaseRead:
    """Open a case from computed leads, chosen by their keys (an unknown key is a 422: nothing is opened)."""
    with db.begin():
        now = utcnow()
        found = {lead["key"]: lead for lead in evidence.leads(evidence.lines_of(db), now=now)}
        missing = [k for k in body.keys if k not in found]
        if missing:
            # The keys are part of the body, so a stale one makes the request invalid (422), not the URL unknown.
            raise ValidationFailed([Problem("enforcement.lead_unknown", f"/keys/{body.keys.index(missing[0])}",
                                            {"key": missing[0][:16]})])
        chosen = [LeadCreate(kind=found[k]["kind"], score=found[k]["score"], explanation=found[k]["explanation"],
                             parties=found[k]["parties"], evidence=found[k]["evidence"]) for k in body.keys]
        case = service.case_open(db=db, actor=actor, now=now,
                                 body=CaseCreate(title=body.title, marking=body.marking, leads=chosen))
        return selectors.case_read(db, case)


@router.get("/cases/{reference}", operation_id="getEnforcementCase", responses=PROBLEMS)
def case_get(reference: Reference, db: DbSession, actor: Reader) -> CaseRead:
    """One case with its leads (the FIU: only a referred one)."""
    with db.begin():
        return selectors.case_read(db, selectors.case_for(db, actor, reference))


@router.patch("/cases/{reference}", operation_id="updateEnforcementCase", responses=PROBLEMS)
def case_update(reference: Reference, body: CaseUpdate, db: DbSession, actor: Analyst) -> CaseRead:
    """Change a case's title, notes or marking, or close it."""
    with db.begin():
        case = service.case_update(db=db, actor=actor, case=selectors.case_get(db, reference), body=body, now=utcnow())
        return selectors.case_read(db, case)


@router.post("/cases/{reference}/leads", status_code=201, operation_id="addEnforcementLead", responses=PROBLEMS)
def lead_add(reference: Reference, body: LeadCreate, db: DbSession, actor: Analyst) -> CaseRead:
    """Add a lead to an open case."""
    with db.begin():
        case = selectors.case_get(db, reference)
        service.lead_add(db=db, case=case, lead=body, now=utcnow())
        return selectors.case_read(db, case)


@router.post("/cases/{reference}/referral", operation_id="referEnforcementCase", responses=PROBLEMS)
def refer(reference: Reference, db: DbSession, actor: Analyst) -> Referral:
    """Send the case to the FIU (once) and answer the package it receives."""
    with db.begin():
        now = utcnow()
        case = service.case_refer(db=db, actor=actor, case=selectors.case_get(db, reference), now=now)
        return selectors.referral(db, case, now=now)


@router.get("/cases/{reference}/referral", operation_id="getEnforcementReferral", responses=PROBLEMS)
def referral(reference: Reference, db: DbSession, actor: Reader) -> Referral:
    """The referral package of a referred case (schema: /enforcement/referral-schema); every read audited."""
    with db.begin():
        now = utcnow()
        case = selectors.case_for(db, actor, reference)
        if case.status == "open":
            raise NotFound([Problem("enforcement.not_referred", "/reference", {"reference": reference})])
        service.referral_read_audited(db=db, actor=actor, case=case, now=now)
        return selectors.referral(db, case, now=now)


@router.get("/referral-schema", operation_id="getEnforcementReferralSchema", responses=PROBLEMS)
def referral_schema(actor: Reader) -> dict[str, Any]:
    """The JSON Schema of the FIU referral package."""
    return Referral.model_json_schema()
