"""The clearance journeys under /api/v1/declarations: lodge, amend, cancel, an officer's decision, and holds.

Thin: parse, authorise, run one flow in one transaction with the application's wiring, shape the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from clearway.body import json_body_spec, raw_json
from clearway.clearance import amend, decide, lodge
from clearway.clearance.schemas import HoldList
from clearway.clearance.wiring import Wiring
from clearway.db import utcnow
from clearway.declarations import selectors
from clearway.declarations.answers import declaration_answer, declaration_response, etag_of, if_match_holds
from clearway.declarations.schemas import (
    CancelRequest,
    DecisionRequest,
    DeclarationAmend,
    DeclarationCreate,
    DeclarationRead,
)
from clearway.deps import CurrentOfficer, CurrentTrader, CurrentUser, DbSession, IdempotencyKey, Locale, roles
from clearway.errors import DeclarationInvalid, PreconditionFailed, PreconditionRequired, Problem
from clearway.idempotency import idempotent
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/declarations", tags=["declarations"])
RawBody = Annotated[Any, Depends(raw_json)]
Amender = Annotated[Any, Depends(roles("trader", "officer"))]


async def wiring_of(request: Request) -> Wiring:
    """The application's wiring (built once in create_app); async: a plain read costs no thread-pool hop."""
    return request.app.state.wiring


Wired = Annotated[Wiring, Depends(wiring_of)]
DECLARATION_HEADERS = {"ETag": {"description": "The strong entity tag of the declaration's version",
                                "schema": {"type": "string"}},
                       "Location": {"description": "The declaration's URL", "schema": {"type": "string"}}}


@router.post("", status_code=201, operation_id="lodgeDeclaration", response_model=DeclarationRead,
             responses={**PROBLEMS, 201: {"description": "Lodged", "headers": DECLARATION_HEADERS}},
             openapi_extra=json_body_spec(DeclarationCreate))
def lodge_declaration(raw: RawBody, db: DbSession, actor: CurrentTrader, wiring: Wired,
                      key: IdempotencyKey = None) -> Response:
    """Lodge a declaration: validated, given an MRN, assessed, channelled, and released when nothing holds it."""
    return idempotent(
        db=db, owner=f"org:{actor.organisation_code}", key=key, body=raw,
        # The answer reads nothing back: the timeline notes go with the idempotency record (or the commit).
        run=lambda now: declaration_answer(lodge.declaration_lodge(db=db, wiring=wiring, actor=actor, raw=raw,
                                                                   now=now, notes_deferred=True), 201),
        # A concurrent lodgement with the same LRN (and no key to replay) committed first.
        on_conflict=lambda: DeclarationInvalid([Problem("lrn.duplicate", "/lrn", {"value": str(
            raw.get("lrn") if isinstance(raw, dict) else "")})]))


@router.put("/{mrn}", operation_id="amendDeclaration", response_model=DeclarationRead,
            responses={**PROBLEMS, 200: {"description": "Amended", "headers": DECLARATION_HEADERS}},
            openapi_extra=json_body_spec(DeclarationAmend))
def amend_declaration(mrn: str, raw: RawBody, db: DbSession, actor: Amender, wiring: Wired,
                      if_match: Annotated[str | None, Header(alias="If-Match", max_length=400)] = None) -> Response:
    """Amend a declaration: a full new document, applied only when If-Match names its current version."""
    if not if_match:
        raise PreconditionRequired([Problem("declaration.if_match_required", "", {"parameter": "If-Match"})])
    with db.begin():
        now = utcnow()
        declaration = selectors.declaration_for_change(db=db, actor=actor, mrn=mrn, now=now)
        if not if_match_holds(if_match, etag_of(declaration)):
            raise PreconditionFailed([Problem("declaration.version_mismatch", "", {
                "expected": if_match.strip()[:40], "current": declaration.version})])
        declaration = amend.declaration_amend(db=db, wiring=wiring, actor=actor, declaration=declaration, raw=raw,
                                              expected_version=declaration.version, now=now)
        return declaration_response(declaration)


@router.post("/{mrn}/cancel", operation_id="cancelDeclaration", response_model=DeclarationRead,
             responses={**PROBLEMS, 200: {"description": "Cancelled", "headers": DECLARATION_HEADERS}})
def cancel_declaration(mrn: str, body: CancelRequest, db: DbSession, actor: Amender, wiring: Wired) -> Response:
    """Withdraw a declaration, when its state allows."""
    with db.begin():
        now = utcnow()
        declaration = selectors.declaration_for_change(db=db, actor=actor, mrn=mrn, now=now)
        declaration = amend.declaration_cancel(db=db, wiring=wiring, actor=actor, declaration=declaration,
                                               reason=body.reason, now=now)
        return declaration_response(declaration)


@router.post("/{mrn}/decisions", operation_id="decideDeclaration", response_model=DeclarationRead,
             responses={**PROBLEMS, 200: {"description": "Decided", "headers": DECLARATION_HEADERS}})
def decide_declaration(mrn: str, body: DecisionRequest, db: DbSession, actor: CurrentOfficer,
                       wiring: Wired) -> Response:
    """An officer's decision: start control, release, detain or clear, with a reason (audited); a release
    that something still holds is refused with every hold."""
    with db.begin():
        now = utcnow()
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=now, for_update=True, audit=False)
        declaration = decide.declaration_decide(db=db, wiring=wiring, actor=actor, declaration=declaration,
                                                target=body.to, reason=body.reason, now=now)
        return declaration_response(declaration)


@router.get("/{mrn}/holds", operation_id="listDeclarationHolds", responses=PROBLEMS)
def declaration_holds(mrn: str, db: DbSession, actor: CurrentUser, locale: Locale, wiring: Wired) -> HoldList:
    """Exactly what holds the goods now and who must act next (empty when nothing does)."""
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        holds = wiring.release.holds(db, declaration)
        return HoldList.of(declaration, holds, locale)
