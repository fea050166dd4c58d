"""Declarations JSON API under /api/v1/declarations: thin, authenticated, one transaction each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from clearway.body import SAFE_TEXT, json_body_spec, raw_json
from clearway.db import utcnow
from clearway.declarations import selectors, service
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import (
    CancelRequest,
    DecisionRequest,
    DeclarationAmend,
    DeclarationCreate,
    DeclarationPage,
    DeclarationRead,
    DeclarationSummary,
    EventList,
    EventRead,
)
from clearway.deps import CurrentOfficer, CurrentTrader, CurrentUser, DbSession, IdempotencyKey, roles
from clearway.errors import Conflict, DeclarationInvalid, PreconditionRequired, Problem
from clearway.idempotency import idempotency_lookup, idempotency_rows, request_hash
from clearway.openapi_docs import PROBLEMS
from clearway.writes import Rows

router = APIRouter(prefix="/declarations", tags=["declarations"])
RawBody = Annotated[Any, Depends(raw_json)]
Amender = Annotated[Any, Depends(roles("trader", "officer"))]


def etag_of(declaration: Declaration) -> str:
    """The strong ETag of a declaration's current version."""
    return f'"v{declaration.version}"'


def read_json(declaration: Declaration) -> bytes:
    """The API view of a declaration (the DeclarationRead shape), serialised once."""
    return orjson.dumps({
        "mrn": declaration.mrn, "version": declaration.version, "status": declaration.status,
        "channel": declaration.channel, "type": declaration.type, "office": declaration.office,
        "lrn": declaration.lrn, "declarant_id": declaration.declarant_id, "lodged_at": declaration.lodged_at,
        "updated_at": declaration.updated_at, "document": declaration.document, "etag": etag_of(declaration),
    })


def _json(body: bytes, status: int, declaration: Declaration) -> Response:
    return Response(body, status_code=status, media_type="application/json",
                    headers={"ETag": etag_of(declaration), "Location": f"/api/v1/declarations/{declaration.mrn}"})


@router.post("", status_code=201, operation_id="lodgeDeclaration", response_model=DeclarationRead,
             responses=PROBLEMS, openapi_extra=json_body_spec(DeclarationCreate))
def lodge(raw: RawBody, db: DbSession, actor: CurrentTrader, key: IdempotencyKey = None) -> Response:
    """Lodge a declaration: validated, given an MRN, assessed and channelled at once."""
    owner, body_hash = f"org:{actor.organisation_code}", request_hash(raw)
    try:
        with db.begin():
            if key and (replay := idempotency_lookup(db=db, owner=owner, key=key, body_hash=body_hash)):
                return Response(replay.body, status_code=replay.status_code, media_type="application/json")
            now = utcnow()
            answer: list[bytes] = []

            def remember(declaration: Declaration) -> list[Rows]:
                # The answer is known before the insert, so its idempotency record joins the same write.
                answer.append(read_json(declaration))
                return [idempotency_rows(owner=owner, key=key, body_hash=body_hash, status_code=201,
                                         response=answer[0], now=now)] if key else []

            declaration = service.declaration_lodge(db=db, actor=actor, raw=raw, now=now, extra_rows=remember)
            body = answer[0]
    except IntegrityError:
        # A concurrent twin won the race on the key or the LRN: answer as it did, or as a duplicate.
        db.rollback()
        with db.begin():
            if key and (replay := idempotency_lookup(db=db, owner=owner, key=key, body_hash=body_hash)):
                return Response(replay.body, status_code=replay.status_code, media_type="application/json")
        raise DeclarationInvalid([Problem("lrn.duplicate", "/lrn", {"value": str(raw.get("lrn"))})]) from None
    return _json(body, 201, declaration)


@router.get("", operation_id="listDeclarations", responses=PROBLEMS)
def list_declarations(
    db: DbSession, actor: CurrentUser,
    status: Annotated[str | None, Query(max_length=16, pattern=SAFE_TEXT)] = None,
    channel: Annotated[Literal["green", "yellow", "red", "blue"] | None, Query()] = None,
    office: Annotated[str | None, Query(max_length=8, pattern=SAFE_TEXT)] = None,
    type: Annotated[Literal["IM", "EX", "TR"] | None, Query()] = None,
    lrn: Annotated[str | None, Query(max_length=35, pattern=SAFE_TEXT)] = None,
    lodged_from: datetime | None = None,
    lodged_to: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=64, pattern=SAFE_TEXT)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeclarationPage:
    """Declarations the caller may see, newest first, with a cursor to the next page."""
    filters = selectors.ListFilters(status=status, channel=channel, office=office, type=type, lrn=lrn,
                                    lodged_from=lodged_from, lodged_to=lodged_to)
    with db.begin():
        rows, next_cursor = selectors.declarations_list(db=db, actor=actor, filters=filters, cursor=cursor,
                                                        limit=limit, now=utcnow())
        items = [DeclarationSummary(
            mrn=r.mrn, version=r.version, status=r.status, channel=r.channel, type=r.type,  # type: ignore[arg-type]
            office=r.office, lrn=r.lrn, declarant_id=r.declarant_id, lodged_at=r.lodged_at,
            item_count=r.item_count, total_value=format(r.total_value.normalize(), "f"), currency=r.currency,
        ) for r in rows]
    return DeclarationPage(items=items, next_cursor=next_cursor)


@router.get("/{mrn}", operation_id="readDeclaration", response_model=DeclarationRead, responses=PROBLEMS)
def read(mrn: str, db: DbSession, actor: CurrentUser) -> Response:
    """One declaration with its current document and state."""
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        payload = read_json(declaration)
    return _json(payload, 200, declaration)


@router.put("/{mrn}", operation_id="amendDeclaration", response_model=DeclarationRead, responses=PROBLEMS,
            openapi_extra=json_body_spec(DeclarationAmend))
def amend(mrn: str, raw: RawBody, db: DbSession, actor: Amender,
          if_match: Annotated[str | None, Header(alias="If-Match", max_length=40)] = None) -> Response:
    """Amend a declaration: a full new document, applied only to the version named by If-Match."""
    if not if_match:
        raise PreconditionRequired([Problem("declaration.if_match_required", "", {"parameter": "If-Match"})])
    try:
        expected = int(if_match.strip().strip('W/').strip('"').removeprefix("v"))
    except ValueError:
        expected = -1
    with db.begin():
        now = utcnow()
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=now, for_update=True, audit=False)
        declaration = service.declaration_amend(db=db, actor=actor, declaration=declaration, raw=raw,
                                                expected_version=expected, now=now)
        payload = read_json(declaration)
    return _json(payload, 200, declaration)


@router.post("/{mrn}/cancel", operation_id="cancelDeclaration", response_model=DeclarationRead,
             responses=PROBLEMS)
def cancel(mrn: str, body: CancelRequest, db: DbSession, actor: Amender) -> Response:
    """Withdraw a declaration, when its state allows."""
    with db.begin():
        now = utcnow()
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=now, for_update=True, audit=False)
        declaration = service.declaration_cancel(db=db, actor=actor, declaration=declaration,
                                                 reason=body.reason, now=now)
        payload = read_json(declaration)
    return _json(payload, 200, declaration)


@router.get("/{mrn}/events", operation_id="listDeclarationEvents", responses=PROBLEMS)
def events(mrn: str, db: DbSession, actor: CurrentUser) -> EventList:
    """Every lifecycle transition of a declaration with its UTC time, actor and reason."""
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        rows = selectors.declaration_events(db=db, declaration=declaration)
        items = [EventRead(seq=i + 1, kind=e.kind, from_status=e.from_status, to_status=e.to_status, at=e.at,
                           actor=e.actor, reason=e.reason, version=e.version) for i, e in enumerate(rows)]
    return EventList(mrn=declaration.mrn, items=items)


@router.post("/{mrn}/decisions", operation_id="decideDeclaration", response_model=DeclarationRead,
             responses=PROBLEMS)
def decide(mrn: str, body: DecisionRequest, db: DbSession, actor: CurrentOfficer) -> Response:
    """An officer's decision: start control, release, detain or clear, with a reason (audited)."""
    with db.begin():
        now = utcnow()
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=now, for_update=True, audit=False)
        if body.to == "released" and declaration.status in ("under_control", "detained"):
            # Release only when controls are done, no hold remains and duty is paid or guaranteed.
            from clearway.controls.release import release_blockers

            if blockers := release_blockers(db=db, declaration=declaration):
                raise Conflict(blockers)
        declaration = service.declaration_transition(db=db, actor=actor, declaration=declaration,
                                                     target=body.to, reason=body.reason, now=now)
        payload = read_json(declaration)
    return _json(payload, 200, declaration)
