"""Declarations JSON API under /api/v1/declarations: reading them (lodging and changes are clearance flows)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from clearway.body import SAFE_TEXT, Rfc3339
from clearway.db import utcnow
from clearway.declarations import selectors
from clearway.declarations.answers import DECLARATION_HEADERS, declaration_response
from clearway.declarations.schemas import DeclarationPage, DeclarationRead, DeclarationSummary, EventList, EventRead
from clearway.deps import CurrentUser, DbSession
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/declarations", tags=["declarations"])


@router.get("", operation_id="listDeclarations", responses=PROBLEMS)
def list_declarations(
    db: DbSession, actor: CurrentUser,
    status: Annotated[str | None, Query(max_length=16, pattern=SAFE_TEXT)] = None,
    channel: Annotated[Literal["green", "yellow", "red", "blue"] | None, Query()] = None,
    office: Annotated[str | None, Query(max_length=8, pattern=SAFE_TEXT)] = None,
    type: Annotated[Literal["IM", "EX", "TR"] | None, Query()] = None,
    lrn: Annotated[str | None, Query(max_length=35, pattern=SAFE_TEXT)] = None,
    lodged_from: Annotated[Rfc3339 | None, Query()] = None,
    lodged_to: Annotated[Rfc3339 | None, Query()] = None,
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


@router.get("/{mrn}", operation_id="readDeclaration", response_model=DeclarationRead,
            responses={**PROBLEMS, 200: {"description": "The declaration", "headers": DECLARATION_HEADERS}})
def read(mrn: str, db: DbSession, actor: CurrentUser) -> Response:
    """One declaration with its current document and state."""
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        return declaration_response(declaration)


@router.get("/{mrn}/events", operation_id="listDeclarationEvents", responses=PROBLEMS)
def events(mrn: str, db: DbSession, actor: CurrentUser) -> EventList:
    """Every lifecycle transition of a declaration with its UTC time, actor and reason."""
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        rows = selectors.declaration_events(db=db, declaration=declaration)
        items = [EventRead(seq=i + 1, kind=e.kind, from_status=e.from_status, to_status=e.to_status, at=e.at,
                           actor=e.actor, reason=e.reason, version=e.version, reason_code=e.reason_code,
                           reason_params=e.reason_params) for i, e in enumerate(rows)]
    return EventList(mrn=declaration.mrn, items=items)
