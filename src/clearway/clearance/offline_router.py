"""`POST /api/v1/crisis/posts/{post}/reconcile`: a post's export lodged at the centre (the reconnect flow);
`POST /api/v1/crisis/relief`: a relief consignment's simplified declaration, lodged through the same flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from clearway.auth.schemas import Principal
from clearway.clearance.offline import post_reconcile
from clearway.clearance.relief import relief_lodge
from clearway.crisis.schemas import ExportBody, ReconcileRead, ReliefCreate, ReliefRead
from clearway.db import utcnow
from clearway.deps import CurrentTrader, DbSession, roles
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/crisis", tags=["crisis"])
Customs = Annotated[Principal, Depends(roles("officer", "admin"))]
Post = Annotated[str, Path(pattern=r"^[A-Z]{2}[0-9A-Z]{2,6}$")]


@router.post("/posts/{post}/reconcile", operation_id="reconcilePost", responses=PROBLEMS)
def reconcile(post: Post, export: ExportBody, request: Request, db: DbSession, actor: Customs) -> ReconcileRead:
    """Reconcile the post's signed export once: MRNs linked, permits written off, conflicts listed."""
    with db.begin():
        report = post_reconcile(db=db, wiring=request.app.state.wiring, post=post, export=export.model_dump(),
                                actor=actor.username, now=utcnow())
    return ReconcileRead(post=report.post, linked=report.linked, already_linked=report.already_linked,
                         conflicts=report.conflicts, mrns=report.mrns)


@router.post("/relief", status_code=201, operation_id="lodgeReliefConsignment", responses=PROBLEMS)
def relief(body: ReliefCreate, request: Request, db: DbSession, actor: CurrentTrader) -> ReliefRead:
    """Lodge a relief consignment with a simplified declaration while a relief profile covers it (409 otherwise)."""
    with db.begin():
        return relief_lodge(db=db, wiring=request.app.state.wiring, actor=actor, draft=body, now=utcnow())
