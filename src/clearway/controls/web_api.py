"""Pieces shared by the controls routers: role dependencies, one-transaction steps, idempotent creation,
declaration lookup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls.models import DocumentRequest
from clearway.controls.reads import blockers_read, request_read
from clearway.controls.roles import office_required
from clearway.controls.schemas import DeclarationControlRead, DocumentRequestRead
from clearway.db import utcnow
from clearway.declarations import selectors
from clearway.declarations.models import Declaration
from clearway.deps import roles
from clearway.holds import Release
from clearway.idempotency import Answer, idempotent


async def _officer_at_office(principal: Annotated[Principal, Depends(roles("officer"))]) -> Principal:
    office_required(principal)
    return principal


Officer = Annotated[Principal, Depends(_officer_at_office)]
Trader = Annotated[Principal, Depends(roles("trader"))]
Analyst = Annotated[Principal, Depends(roles("analyst", "admin", "auditor"))]
Admin = Annotated[Principal, Depends(roles("admin"))]

T = TypeVar("T")


def in_transaction(db: Session, step: Callable[[datetime], T]) -> T:
    """Run an endpoint's step (load, authorise, call a service, shape the answer) in one transaction at one time."""
    # Shaped inside the transaction: the answer reads the same snapshot as the writes it reports.
    with db.begin():
        return step(utcnow())


def json_response(model: BaseModel, status: int = 200) -> Response:
    """A response carrying a model as JSON."""
    return Response(model.model_dump_json().encode(), status_code=status, media_type="application/json")


def created_once(*, db: Session, actor: Principal, key: str | None, body: Any,
                 run: Callable[[datetime], BaseModel]) -> Response:
    """Run a creating step in one transaction, or replay the answer stored under its Idempotency-Key."""
    return idempotent(db=db, owner=f"user:{actor.user_id}", key=key, body=body,
                      run=lambda now: Answer(201, run(now).model_dump_json().encode()))


def declaration_locked(db: Session, actor: Principal, mrn: str, now: datetime) -> Declaration:
    """A declaration of the officer's office, locked for a decision."""
    return selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=now, for_update=True, audit=False)


def declaration_state(db: Session, declaration: Declaration, locale: str, release: Release) -> DeclarationControlRead:
    """A declaration's status, channel and what still blocks its release."""
    blockers = release.holds(db, declaration)
    return DeclarationControlRead(mrn=declaration.mrn, status=declaration.status, channel=declaration.channel,
                                  blockers=blockers_read(blockers, locale))


def declaration_mrn(db: Session, declaration_id: int) -> str:
    """The MRN of a declaration known by id."""
    declaration = db.get(Declaration, declaration_id)
    assert declaration is not None
    return declaration.mrn


def document_request_read(db: Session, request: DocumentRequest) -> DocumentRequestRead:
    """A document request with its declaration's MRN and the files sent."""
    return request_read(db, request, declaration_mrn(db, request.declaration_id))


def body_of(model: BaseModel) -> Any:
    """A request model as plain JSON data (for request hashing)."""
    return orjson.loads(model.model_dump_json())
