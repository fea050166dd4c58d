"""Notifications JSON API under /api/v1/notifications: the pull feed, the webhook endpoint, the delivery log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession, IdempotencyKey, roles
from clearway.idempotency import Answer, idempotent
from clearway.notifications import service
from clearway.notifications.models import Notification, Subscriber
from clearway.notifications.schemas import (
    AttemptRead,
    CountRead,
    DeliveryRead,
    EndpointBody,
    EndpointRead,
    FeedPage,
    NotificationRead,
    SecretRead,
)
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/notifications", tags=["notifications"])
Trader = Annotated[Principal, Depends(roles("trader"))]


def notification_read(n: Notification) -> NotificationRead:
    """A stored notification as the feed and the webhook show it."""
    return NotificationRead(id=f"msg_{n.id}", seq=n.seq, type=n.payload["type"], timestamp=n.payload["timestamp"],
                            data=n.payload["data"])


def _endpoint(db: DbSession, subscriber: Subscriber | None, organisation: str,
              created: dict[str, Any] | None = None) -> EndpointRead:
    secrets = [SecretRead(id=s["id"], created_at=s["created_at"],
                          secret=s["secret"] if created and s["id"] == created["id"] else None)
               for s in (subscriber.secrets if subscriber else [])]
    return EndpointRead(url=subscriber.url if subscriber else None, active=bool(subscriber and subscriber.active),
                        secrets=secrets, last_seq=subscriber.last_seq if subscriber else 0,
                        deliveries=service.delivery_counts(db=db, organisation=organisation))


@router.get("", operation_id="listNotifications", responses=PROBLEMS)
def feed(db: DbSession, actor: Trader, after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
         limit: Annotated[int, Query(ge=1, le=500)] = 100) -> FeedPage:
    """Notifications numbered after `after` (delivered ones too), oldest first; a gap in seq never happens."""
    with db.begin():
        rows, last = service.feed(db=db, organisation=actor.organisation_code, after=after, limit=limit)
    return FeedPage(items=[notification_read(n) for n in rows], next_after=rows[-1].seq if rows else after,
                    last_seq=last)


@router.get("/endpoint", operation_id="readWebhookEndpoint", responses=PROBLEMS)
def endpoint(db: DbSession, actor: Trader) -> EndpointRead:
    """The webhook endpoint, its secrets (ids only) and delivery counts."""
    with db.begin():
        subscriber = service.endpoint_get(db=db, organisation=actor.organisation_code)
        return _endpoint(db, subscriber, actor.organisation_code)


@router.put("/endpoint", operation_id="setWebhookEndpoint", responses=PROBLEMS)
def endpoint_set(body: EndpointBody, db: DbSession, actor: Trader) -> EndpointRead:
    """Send notifications to this URL from now on; the first signing secret is returned once."""
    with db.begin():
        subscriber, created = service.endpoint_set(db=db, actor=actor, url=body.url, now=utcnow())
        return _endpoint(db, subscriber, actor.organisation_code, created)


@router.delete("/endpoint", operation_id="removeWebhookEndpoint", responses=PROBLEMS)
def endpoint_remove(db: DbSession, actor: Trader) -> CountRead:
    """Stop webhooks (the pull feed goes on); returns how many pending deliveries were dead-lettered."""
    with db.begin():
        return CountRead(count=service.endpoint_remove(db=db, actor=actor, now=utcnow()))


@router.post("/endpoint/secrets", status_code=201, operation_id="addWebhookSecret", response_model=SecretRead,
             responses=PROBLEMS)
def secret_add(db: DbSession, actor: Trader, key: IdempotencyKey = None) -> Response:
    """Add a signing secret (rotation: deliveries are signed with every active secret); shown once."""
    return idempotent(db=db, owner=f"user:{actor.user_id}", key=key, body={"secret": "add"}, run=lambda now: Answer(
        201, SecretRead(**service.secret_add(db=db, actor=actor, now=now)).model_dump_json().encode()))


@router.delete("/endpoint/secrets/{secret_id}", operation_id="retireWebhookSecret", responses=PROBLEMS)
def secret_retire(secret_id: Annotated[str, Path(max_length=40, pattern=r"^sec_[0-9a-f]{1,32}$")], db: DbSession,
                  actor: Trader) -> EndpointRead:
    """Stop signing with a secret (not the last one of an active endpoint)."""
    with db.begin():
        subscriber = service.secret_retire(db=db, actor=actor, secret_id=secret_id, now=utcnow())
        return _endpoint(db, subscriber, actor.organisation_code)


@router.get("/deliveries", operation_id="listWebhookDeliveries", responses=PROBLEMS)
def deliveries(db: DbSession, actor: Trader, status: Literal["pending", "delivered", "dead"] | None = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[DeliveryRead]:
    """The delivery log: latest deliveries with their attempts, newest first."""
    with db.begin():
        rows = service.deliveries_log(db=db, organisation=actor.organisation_code, status=status, limit=limit)
    return [DeliveryRead(id=d.id, notification_id=f"msg_{n.id}", seq=n.seq, type=n.kind, mrn=n.mrn,
                         status=d.status, attempts=d.attempts, next_attempt_at=d.next_attempt_at,  # type: ignore[arg-type]
                         delivered_at=d.delivered_at, last_status=d.last_status, last_error=d.last_error,
                         log=[AttemptRead(at=a.at, status_code=a.status_code, error=a.error,
                                          duration_ms=a.duration_ms) for a in attempts])
            for d, n, attempts in rows]


@router.post("/deliveries/redrive", operation_id="redriveWebhookDeliveries", responses=PROBLEMS)
def redrive(db: DbSession, actor: Trader) -> CountRead:
    """Send dead-lettered deliveries again, in their original order."""
    with db.begin():
        return CountRead(count=service.deliveries_redrive(db=db, actor=actor, now=utcnow()))
