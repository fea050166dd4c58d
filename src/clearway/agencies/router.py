"""The single-window API under /api/v1/agencies: live agencies, permit applications and permits, the
agencies' referral inbox and decisions, joint inspections, processing times. Thin: parse, authorise,
call one service in one transaction, shape the answer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from clearway.agencies import permits, selectors, service
from clearway.agencies.registry import live_agencies
from clearway.agencies.schemas import (
    AgencyList,
    AgencyRead,
    JointBook,
    JointFinding,
    JointRead,
    PerformanceRead,
    PermitAnswer,
    PermitApply,
    PermitDecision,
    PermitList,
    PermitRead,
    ReferralDecision,
    ReferralList,
    ReferralRead,
)
from clearway.db import utcnow
from clearway.declarations import selectors as declarations
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration
from clearway.deps import CurrentTrader, CurrentUser, DbSession, Releaser, roles
from clearway.errors import NotFound, Problem
from clearway.holds import Release
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/agencies", tags=["single window"])
CurrentAgency = Annotated[Any, Depends(roles("agency"))]
CurrentCustomsStaff = Annotated[Any, Depends(roles("officer", "analyst", "admin", "auditor"))]
InboxReader = Annotated[Any, Depends(roles("agency", "officer", "analyst", "admin", "auditor"))]
JointParty = Annotated[Any, Depends(roles("agency", "officer"))]
Number = Annotated[str, Path(pattern=r"^[A-Z0-9-]{3,32}$")]
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Mrn = Annotated[str, Path(pattern=r"^[0-9A-Z]{18}$")]


@router.get("", operation_id="listAgencies", responses=PROBLEMS)
def agencies_list(db: DbSession, actor: CurrentUser) -> AgencyList:
    """The live agencies: what each regulates and issues, its service level and how it is reached."""
    with db.begin():
        live = live_agencies(db)
    return AgencyList(items=[AgencyRead(
        code=p.code, name=p.name, service_level_minutes=p.service_level_minutes, reach=p.reach.kind,
        decisions=list(p.decisions), lpco=[x.model_dump() for x in p.lpco],
        competence=[c.model_dump() for c in p.competence]) for p in live.values()])


@router.post("/permits", status_code=201, operation_id="applyForPermit", responses=PROBLEMS)
def permit_apply(body: PermitApply, db: DbSession, actor: CurrentTrader) -> PermitRead:
    """Apply once, through the single window, for an agency's licence, permit or certificate."""
    with db.begin():
        profile = live_agencies(db).get(body.agency)
        if profile is None:
            raise NotFound([Problem("agency.not_found", "/agency", {})])
        permit = permits.application_submit(
            db=db, actor=actor, profile=profile, lpco=body.lpco, hs_prefixes=body.hs_prefixes, origin=body.origin,
            quantity=Decimal(body.quantity) if body.quantity else None, unit=body.unit,
            value=Decimal(body.value) if body.value else None, currency=body.currency, purpose=body.purpose,
            now=utcnow())
        return PermitRead.of(permit)


@router.get("/permits", operation_id="listPermits", responses=PROBLEMS)
def permit_list(db: DbSession, actor: CurrentUser,
                status: Literal["applied", "approved", "refused", "info_requested"] | None = None) -> PermitList:
    """Permits and applications: a trader its own, an agency those applied to it, customs staff all."""
    with db.begin():
        return PermitList(items=[PermitRead.of(p) for p in selectors.permits_list(db=db, actor=actor, status=status,
                                                                                   now=utcnow())])


@router.get("/permits/{number}", operation_id="getPermit", responses=PROBLEMS)
def permit_get(number: Number, db: DbSession, actor: CurrentUser) -> PermitRead:
    """One permit or application with its balance (404 when it is not the caller's to see)."""
    with db.begin():
        return PermitRead.of(selectors.permit_for(db=db, actor=actor, number=number[:40], now=utcnow()))


@router.post("/permits/{number}/decision", operation_id="decidePermit", responses=PROBLEMS)
def permit_decide(number: Number, body: PermitDecision, db: DbSession, actor: CurrentAgency) -> PermitRead:
    """The agency approves (amounts, validity, conditions), refuses with a reason, or asks for information."""
    with db.begin():
        permit = selectors.permit_for(db=db, actor=actor, number=number[:40], now=utcnow(), lock=True)
        profile = live_agencies(db).get(permit.agency)
        if profile is None:  # the agency was withdrawn: nobody may decide for it
            raise NotFound([Problem("agency.not_found", "", {})])
        permits.application_decide(
            db=db, actor=actor, permit=permit, profile=profile, outcome=body.outcome,
            quantity=Decimal(body.quantity) if body.quantity else None,
            value=Decimal(body.value) if body.value else None, valid_from=body.valid_from, valid_to=body.valid_to,
            conditions=body.conditions, reason=body.reason, now=utcnow())
        return PermitRead.of(permit)


@router.post("/permits/{number}/answer", operation_id="answerPermitRequest", responses=PROBLEMS)
def permit_answer(number: Number, body: PermitAnswer, db: DbSession, actor: CurrentTrader) -> PermitRead:
    """The trader answers the agency's request for information."""
    with db.begin():
        permit = selectors.permit_for(db=db, actor=actor, number=number[:40], now=utcnow(), lock=True)
        return PermitRead.of(permits.application_answer(db=db, actor=actor, permit=permit, purpose=body.purpose,
                                                        now=utcnow()))


@router.get("/referrals", operation_id="listReferrals", responses=PROBLEMS)
def referral_inbox(db: DbSession, actor: InboxReader,
                   state: Literal["open", "overdue", "decided", "all"] = "open",
                   mrn: Annotated[str | None, Query(pattern=r"^[0-9A-Z]{18}$")] = None,
                   agency: Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9]{1,15}$")] = None) -> ReferralList:
    """The agency's inbox of referred items (customs staff: every agency's, to see what is overdue)."""
    with db.begin():
        now = utcnow()
        rows = selectors.referrals_inbox(db=db, actor=actor, state=state, mrn=mrn, agency=agency, now=now)
        return ReferralList(items=[ReferralRead.of(r, now) for r in rows])


@router.get("/referrals/{referral_id}", operation_id="getReferral", responses=PROBLEMS)
def referral_get(referral_id: ReferralId, db: DbSession, actor: InboxReader) -> ReferralRead:
    """One referral with the declaration data the agency's profile allows (the read is audited)."""
    with db.begin():
        now = utcnow()
        referral = service.referral_for(db=db, actor=actor, referral_id=referral_id)
        return ReferralRead.of(selectors.referral_audited(db=db, actor=actor, referral=referral, now=now), now)


@router.post("/referrals/{referral_id}/decision", operation_id="decideReferral", responses=PROBLEMS)
def referral_decide(referral_id: ReferralId, body: ReferralDecision, db: DbSession, actor: CurrentAgency,
                    release: Releaser) -> ReferralRead:
    """The agency's decision on one item; the goods go at once if nothing else holds them."""
    with db.begin():
        now = utcnow()
        referral = service.referral_decide(db=db, actor=actor, referral_id=referral_id, decision=body.decision,
                                           reason=body.reason, conditions=body.conditions, now=now)
        _attempt(db, release, referral.declaration_id, actor, now)
        return ReferralRead.of(referral, now)


def _attempt(db: Any, release: Release, declaration_id: int, actor: Any, now: Any) -> None:
    """Try the one release decision after an agency decided (a channelled declaration waited only for that)."""
    declaration = db.get(Declaration, declaration_id, with_for_update=True)
    if declaration is not None and declaration.status == "channelled":
        release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                        reason=f"agency decision by {actor.username}: nothing else holds the goods",
                        now=now, code="released.agency_decision", params={"user": actor.username})


def _declaration(db: Any, actor: Any, mrn: str) -> Declaration:
    if actor.role == "agency":
        return selectors.declaration_referred(db=db, actor=actor, mrn=mrn[:18])
    return declarations.declaration_get(db=db, actor=actor, mrn=mrn[:18], now=utcnow(), for_update=True,
                                        audit=False)


@router.post("/declarations/{mrn}/joint-inspection", operation_id="bookJointInspection", responses=PROBLEMS)
def joint_book(mrn: Mrn, body: JointBook, db: DbSession, actor: JointParty) -> JointRead:
    """Book (or move) the one joint inspection of customs and the agencies that asked for it."""
    with db.begin():
        declaration = _declaration(db, actor, mrn)
        booking = service.joint_inspection_book(db=db, actor=actor, declaration=declaration, at=body.at,
                                                place=body.place, now=utcnow())
        return JointRead.of(booking, declaration.mrn)


@router.put("/declarations/{mrn}/joint-inspection/findings", operation_id="recordJointFinding",
            responses=PROBLEMS)
def joint_finding(mrn: Mrn, body: JointFinding, db: DbSession, actor: JointParty) -> JointRead:
    """Record the caller's part (customs, or its agency) of the joint inspection's one set of findings."""
    with db.begin():
        declaration = _declaration(db, actor, mrn)
        booking = service.joint_finding_record(db=db, actor=actor, declaration=declaration, result=body.result,
                                               note=body.note, now=utcnow())
        return JointRead.of(booking, declaration.mrn)


@router.get("/performance", operation_id="agencyProcessingTimes", responses=PROBLEMS)
def performance(db: DbSession, actor: CurrentCustomsStaff,
                days: Annotated[int, Query(ge=1, le=366)] = 90) -> PerformanceRead:
    """Referral → decision and application → permit per agency, with the share of permits within 10 minutes."""
    with db.begin():
        now = utcnow()
        since = now - timedelta(days=days)
        return PerformanceRead.of_rows(since, selectors.processing_times(db=db, since=since, now=now))

