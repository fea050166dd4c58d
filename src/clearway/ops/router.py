"""Status JSON API under /api/v1/status: public reads, administrators' notices, traders' subscriptions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.exc import SQLAlchemyError

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import CurrentAdmin, DbSession, roles
from clearway.errors import NotFound, Problem
from clearway.openapi_docs import PROBLEMS
from clearway.ops import selectors, service
from clearway.ops.schemas import NoticeCreate, NoticePage, NoticeRead, NoticeUpdateCreate, StatusRead, SubscriptionRead

router = APIRouter(prefix="/status", tags=["status"])
Trader = Annotated[Principal, Depends(roles("trader"))]
NoticeId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def status_read(db: DbSession) -> StatusRead:
    """The status now; when the database does not answer, that is the status (never an error)."""
    now = utcnow()
    try:
        with db.begin():
            return selectors.status_now(db=db, now=now)
    except SQLAlchemyError as exc:
        return selectors.status_unreachable(now=now, error=exc)


@router.get("", operation_id="readStatus", responses=PROBLEMS)
def status(db: DbSession) -> StatusRead:
    """Public: health of the API, database, worker, risk engine and outbound delivery, and open notices."""
    return status_read(db)


@router.get("/notices", operation_id="listStatusNotices", responses=PROBLEMS)
def notices(db: DbSession, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> NoticePage:
    """Public: every notice, latest first, with its updates (the incident history)."""
    with db.begin():
        return NoticePage(items=selectors.notices_history(db=db, now=utcnow(), limit=limit))


@router.get("/notices/{notice_id}", operation_id="readStatusNotice", responses=PROBLEMS)
def notice(notice_id: NoticeId, db: DbSession) -> NoticeRead:
    """Public: one notice with its updates."""
    with db.begin():
        found = selectors.notice_get(db=db, notice_id=notice_id, now=utcnow())
    if found is None:
        raise NotFound([Problem("status.notice_not_found", "", {"id": notice_id})])
    return found


@router.post("/notices", status_code=201, operation_id="postStatusNotice", responses=PROBLEMS)
def notice_post(draft: NoticeCreate, db: DbSession, actor: CurrentAdmin) -> NoticeRead:
    """Administrators: announce a planned maintenance or an incident (subscribed traders are notified)."""
    now = utcnow()
    with db.begin():
        posted = service.notice_post(db=db, actor=actor, draft=draft, now=now)
        read = selectors.notice_get(db=db, notice_id=posted.id, now=now)
    assert read is not None
    return read


@router.post("/notices/{notice_id}/updates", status_code=201, operation_id="updateStatusNotice",
             responses=PROBLEMS)
def notice_update(notice_id: NoticeId, draft: NoticeUpdateCreate, db: DbSession, actor: CurrentAdmin) -> NoticeRead:
    """Administrators: add an update to a notice and move its state (subscribed traders are notified)."""
    now = utcnow()
    with db.begin():
        service.notice_update(db=db, actor=actor, notice_id=notice_id, draft=draft, now=now)
        read = selectors.notice_get(db=db, notice_id=notice_id, now=now)
    assert read is not None
    return read


def _subscription(db: DbSession, organisation: str) -> SubscriptionRead:
    found = service.subscription_get(db=db, organisation=organisation)
    return SubscriptionRead(organisation=organisation, subscribed=found is not None,
                            since=found.created_at if found else None)


@router.get("/subscription", operation_id="readStatusSubscription", responses=PROBLEMS)
def subscription(db: DbSession, actor: Trader) -> SubscriptionRead:
    """Traders: whether status notices reach the organisation's notification feed and webhook."""
    with db.begin():
        return _subscription(db, actor.organisation_code)


@router.put("/subscription", operation_id="subscribeStatus", responses=PROBLEMS)
def subscribe(db: DbSession, actor: Trader) -> SubscriptionRead:
    """Traders: receive status notices (new notices and their updates) in the feed and webhook."""
    with db.begin():
        service.subscribe(db=db, actor=actor, now=utcnow())
        return _subscription(db, actor.organisation_code)


@router.delete("/subscription", operation_id="unsubscribeStatus", responses=PROBLEMS)
def unsubscribe(db: DbSession, actor: Trader) -> SubscriptionRead:
    """Traders: stop receiving status notices."""
    with db.begin():
        service.unsubscribe(db=db, actor=actor)
        return _subscription(db, actor.organisation_code)
