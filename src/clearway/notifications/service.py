"""Notifications for traders: the pull feed, the webhook endpoint and its secrets, the delivery log.

Other domains call `notification_emit` for a message no declaration event carries (a bulk row
rejected, where nothing else may be stored), in the same transaction as what it reports.
"""

from __future__ import annotations

import base64
import secrets as random
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.errors import Conflict, NotFound, Problem
from clearway.notifications.models import Attempt, Delivery, Notification, OutboxMessage, Subscriber
from clearway.notifications.settings import endpoint_url_checked

MAX_SECRETS = 5
# Labels of the notification backlog gauge: a fixed set, so every series exists even at zero.
BACKLOG_LABELS = ("pending", "retrying", "dead", "outbox")


def notification_emit(*, db: Session, organisation: str, kind: str, data: dict[str, Any], now: datetime) -> None:
    """Queue a notification for an organisation in the caller's transaction (relayed like declaration events)."""
    db.execute(insert(OutboxMessage).values(organisation=organisation, kind=kind, payload=data, created_at=now))


def feed(*, db: Session, organisation: str, after: int, limit: int) -> tuple[list[Notification], int]:
    """Notifications numbered after `after`, oldest first, and the organisation's last number."""
    rows = list(db.scalars(select(Notification).where(Notification.organisation == organisation,
                                                      Notification.seq > after)
                           .order_by(Notification.seq).limit(limit)))
    last = db.scalar(select(Subscriber.last_seq).where(Subscriber.organisation == organisation)) or 0
    return rows, int(last)


def _subscriber(db: Session, organisation: str, now: datetime) -> Subscriber:
    found = db.scalar(select(Subscriber).where(Subscriber.organisation == organisation).with_for_update())
    if found is None:
        found = Subscriber(organisation=organisation, last_seq=0, active=False, secrets=[], updated_at=now)
        db.add(found)
    return found


def new_secret(now: datetime) -> dict[str, Any]:
    """A fresh signing secret in the whsec_ format, with its id."""
    return {"id": "sec_" + random.token_hex(6), "secret": "whsec_" + base64.b64encode(random.token_bytes(24)).decode(),
            "created_at": now.isoformat()}


def endpoint_set(*, db: Session, actor: Principal, url: str, now: datetime) -> tuple[Subscriber, dict[str, Any] | None]:
    """Point webhooks at a URL (from the next notification on); the first secret when one is created."""
    subscriber = _subscriber(db, actor.organisation_code, now)
    subscriber.url, subscriber.active, subscriber.updated_at = endpoint_url_checked(url), True, now
    created = None
    if not subscriber.secrets:
        created = new_secret(now)
        subscriber.secrets = [created]
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="webhook.endpoint_set",
                 target_type="organisation", target_id=actor.organisation_code, detail={"url": url}, at=now)
    db.flush()
    return subscriber, created


def endpoint_get(*, db: Session, organisation: str) -> Subscriber | None:
    """The organisation's subscriber record, if it has one."""
    return db.get(Subscriber, organisation)


def endpoint_remove(*, db: Session, actor: Principal, now: datetime) -> int:
    """Stop webhooks (the pull feed goes on); pending deliveries are dead-lettered; how many."""
    subscriber = _subscriber(db, actor.organisation_code, now)
    subscriber.url, subscriber.active, subscriber.updated_at = None, False, now
    done = db.execute(update(Delivery).where(Delivery.organisation == actor.organisation_code,
                                             Delivery.status == "pending")
                      .values(status="dead", last_error="endpoint removed"))
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="webhook.endpoint_removed",
                 target_type="organisation", target_id=actor.organisation_code, detail={}, at=now)
    return int(done.rowcount)  # type: ignore[attr-defined]


def secret_add(*, db: Session, actor: Principal, now: datetime) -> dict[str, Any]:
    """Add a signing secret: deliveries carry a signature per active secret until the old one is retired."""
    subscriber = _subscriber(db, actor.organisation_code, now)
    if len(subscriber.secrets or []) >= MAX_SECRETS:
        raise Conflict([Problem("webhook.too_many_secrets", "", {"max": MAX_SECRETS})])
    created = new_secret(now)
    subscriber.secrets = [*(subscriber.secrets or []), created]
    subscriber.updated_at = now
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="webhook.secret_added",
                 target_type="organisation", target_id=actor.organisation_code, detail={"id": created["id"]}, at=now)
    return created


def secret_retire(*, db: Session, actor: Principal, secret_id: str, now: datetime) -> Subscriber:
    """Stop signing with a secret; the last one of an active endpoint stays."""
    subscriber = _subscriber(db, actor.organisation_code, now)
    kept = [s for s in subscriber.secrets or [] if s["id"] != secret_id]
    if len(kept) == len(subscriber.secrets or []):
        raise NotFound([Problem("webhook.secret_not_found", "", {"id": secret_id})])
    if not kept and subscriber.active:
        raise Conflict([Problem("webhook.last_secret", "", {"id": secret_id})])
    subscriber.secrets, subscriber.updated_at = kept, now
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="webhook.secret_retired",
                 target_type="organisation", target_id=actor.organisation_code, detail={"id": secret_id}, at=now)
    return subscriber


def deliveries_log(*, db: Session, organisation: str, status: str | None, limit: int
                   ) -> list[tuple[Delivery, Notification, list[Attempt]]]:
    """The latest deliveries with their notification and attempts, newest first."""
    query = (select(Delivery, Notification).join(Notification, Notification.id == Delivery.notification_id)
             .where(Delivery.organisation == organisation))
    if status:
        query = query.where(Delivery.status == status)
    rows = db.execute(query.order_by(Delivery.id.desc()).limit(limit)).all()
    attempts: dict[int, list[Attempt]] = {}
    ids = [d.id for d, _ in rows]
    for a in db.scalars(select(Attempt).where(Attempt.delivery_id.in_(ids)).order_by(Attempt.id)) if ids else []:
        attempts.setdefault(a.delivery_id, []).append(a)
    return [(d, n, attempts.get(d.id, [])[-10:]) for d, n in rows]


def deliveries_redrive(*, db: Session, actor: Principal, now: datetime) -> int:
    """Send dead-lettered deliveries again from the start of their backoff; how many."""
    done = db.execute(update(Delivery).where(Delivery.organisation == actor.organisation_code,
                                             Delivery.status == "dead")
                      .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None))
    return int(done.rowcount)  # type: ignore[attr-defined]


def delivery_counts(*, db: Session, organisation: str) -> dict[str, int]:
    """How many deliveries are pending, delivered and dead."""
    rows = db.execute(select(Delivery.status, func.count()).where(Delivery.organisation == organisation)
                      .group_by(Delivery.status)).all()
    return {str(status): int(n) for status, n in rows}


def outbox_backlog(*, db: Session) -> dict[str, int]:
    """Notifications waiting: deliveries not failed yet, failed and retrying, dead-lettered; outbox rows."""
    counts = dict.fromkeys(BACKLOG_LABELS, 0)
    # The (status, next_attempt_at) index finds the waiting deliveries without reading delivered ones.
    # Grouped by plain columns (attempts has at most max_attempts values): PostgreSQL refuses a GROUP BY
    # expression with bound parameters, and a delivery on its first attempt has attempts 1 but no error.
    failed = Delivery.last_error.is_not(None)
    rows = db.execute(select(Delivery.status, Delivery.attempts, failed, func.count())
                      .where(Delivery.status.in_(("pending", "dead")))
                      .group_by(Delivery.status, Delivery.attempts, failed)).all()
    for status, attempts, has_failed, n in rows:
        counts["dead" if status == "dead" else "retrying" if attempts and has_failed else "pending"] += int(n)
    counts["outbox"] = int(db.scalar(select(func.count()).select_from(OutboxMessage)) or 0)  # the relay drains it
    return counts
