"""Writing the status: notices and their updates (administrators), traders' subscriptions, heartbeats.

Posting a notice or an update queues a `status.notice` notification for every subscribed trader
organisation in the same transaction: it reaches their pull feed and webhook like any other event.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.errors import Conflict, NotFound, Problem
from clearway.i18n import LOCALES, translate
from clearway.notifications.service import notification_emit
from clearway.ops.models import Heartbeat, StatusNotice, StatusNoticeUpdate, StatusSubscription
from clearway.ops.schemas import (
    CLOSED,
    STATES,
    ComponentRead,
    MessageText,
    NoticeCreate,
    NoticeUpdateCreate,
    TitleText,
)

NOTICE_KIND = "status.notice"
# Automatic incidents: opened when a probe finds a watched component failing, resolved when it is back.
# The database and the worker are not watched here: this check runs in the worker and writes to the database.
WATCHED = ("risk", "outbound")
PROBE = Principal(user_id=0, username="system:probe", role="system", organisation_id=0, organisation_code="system")


def _notify(db: Session, notice: StatusNotice, update: StatusNoticeUpdate, now: datetime) -> int:
    """Queue the notice's news for every subscribed organisation; how many."""
    data: dict[str, Any] = {
        "notice_id": notice.id, "kind": notice.kind, "state": notice.state, "title": dict(notice.title),
        "message": dict(update.message), "services": list(notice.services),
        "starts_at": notice.starts_at.isoformat(), "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "url": f"/status#notice-{notice.id}"}
    organisations = list(db.scalars(select(StatusSubscription.organisation).order_by(StatusSubscription.organisation)))
    for organisation in organisations:
        notification_emit(db=db, organisation=organisation, kind=NOTICE_KIND, data=data, now=now)
    return len(organisations)


def notice_post(*, db: Session, actor: Principal, draft: NoticeCreate, now: datetime) -> StatusNotice:
    """Publish a maintenance or incident notice with its first message; subscribers are told."""
    state = draft.state or STATES[draft.kind][0]
    notice = StatusNotice(kind=draft.kind, state=state, title=draft.title.model_dump(),
                          services=sorted(set(draft.services)), starts_at=draft.starts_at, ends_at=draft.ends_at,
                          created_by=actor.username, created_at=now, updated_at=now)
    db.add(notice)
    db.flush()
    update = StatusNoticeUpdate(notice_id=notice.id, state=state, message=draft.message.model_dump(),
                                author=actor.username, at=now)
    db.add(update)
    db.flush()
    told = _notify(db, notice, update, now)
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="status.notice_posted",
                 target_type="status_notice", target_id=str(notice.id),
                 detail={"kind": notice.kind, "state": state, "services": notice.services, "subscribers": told}, at=now)
    return notice


def notice_update(*, db: Session, actor: Principal, notice_id: int, draft: NoticeUpdateCreate,
                  now: datetime) -> StatusNotice:
    """Add a message to a notice and move its state; closing it sets its end time. Subscribers are told."""
    notice = db.scalar(select(StatusNotice).where(StatusNotice.id == notice_id).with_for_update())
    if notice is None:
        raise NotFound([Problem("status.notice_not_found", "", {"id": notice_id})])
    if draft.state not in STATES[notice.kind]:
        allowed = ", ".join(STATES[notice.kind])
        raise Conflict([Problem("status.state_invalid", "/state",
                                {"state": draft.state, "kind": notice.kind, "allowed": allowed})])
    if notice.state in CLOSED:
        raise Conflict([Problem("status.notice_closed", "", {"id": notice_id, "state": notice.state})])
    notice.state, notice.updated_at = draft.state, now
    if draft.ends_at is not None:
        notice.ends_at = draft.ends_at
    elif draft.state in CLOSED:
        notice.ends_at = now  # closed without a time given: it ended now
    update = StatusNoticeUpdate(notice_id=notice.id, state=draft.state, message=draft.message.model_dump(),
                                author=actor.username, at=now)
    db.add(update)
    db.flush()
    told = _notify(db, notice, update, now)
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="status.notice_updated",
                 target_type="status_notice", target_id=str(notice.id),
                 detail={"state": draft.state, "subscribers": told}, at=now)
    return notice


def subscription_get(*, db: Session, organisation: str) -> StatusSubscription | None:
    """The organisation's subscription to status notices, if any."""
    return db.get(StatusSubscription, organisation)


def subscribe(*, db: Session, actor: Principal, now: datetime) -> StatusSubscription:
    """Subscribe the caller's organisation to status notices (idempotent)."""
    found = db.get(StatusSubscription, actor.organisation_code)
    if found is None:
        found = StatusSubscription(organisation=actor.organisation_code, subscribed_by=actor.username, created_at=now)
        db.add(found)
        db.flush()
    return found


def unsubscribe(*, db: Session, actor: Principal) -> bool:
    """Stop status notices for the caller's organisation; whether it was subscribed."""
    gone = db.execute(delete(StatusSubscription).where(StatusSubscription.organisation == actor.organisation_code))
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def heartbeat_beat(*, db: Session, name: str, now: datetime, started_at: datetime) -> None:
    """Record that a background process is alive now."""
    beat = db.get(Heartbeat, name)
    if beat is None:
        db.add(Heartbeat(name=name, host=socket.gethostname()[:64], pid=os.getpid(), beat_at=now,
                         started_at=started_at))
    else:
        beat.host, beat.pid, beat.beat_at, beat.started_at = socket.gethostname()[:64], os.getpid(), now, started_at
    db.flush()


def _texts(key: str, component: str, health: str = "") -> dict[str, str]:
    """A message in every language of the status page, naming the component and its health in that language."""
    return {lang: translate(key, lang, component=translate(f"ui.status.component.{component}", lang),
                            health=translate(f"ui.status.health.{health}", lang) if health else "")
            for lang in LOCALES}


def status_watch(*, db: Session, probes: dict[str, ComponentRead], now: datetime) -> int:
    """Open an incident for each watched component its probe finds failing (unless one is open), resolve it
    once the probe finds the component operational again; subscribers are told both. How many changed."""
    automatic = {n.services[0]: n for n in db.scalars(select(StatusNotice).where(
        StatusNotice.created_by == PROBE.username, StatusNotice.state.not_in(CLOSED))) if n.services}
    changed = 0
    for key in WATCHED:
        failing = probes[key].status in ("down", "degraded")
        notice = automatic.get(key)
        if failing and notice is None:
            notice_post(db=db, actor=PROBE, now=now, draft=NoticeCreate(
                kind="incident", services=[key], starts_at=now, state="investigating",  # type: ignore[list-item]
                title=TitleText(**_texts("status.auto.title", key)),
                message=MessageText(**_texts("status.auto.opened", key, probes[key].status))))
            changed += 1
        elif not failing and notice is not None:
            notice_update(db=db, actor=PROBE, notice_id=notice.id, now=now, draft=NoticeUpdateCreate(
                state="resolved", message=MessageText(**_texts("status.auto.resolved", key))))
            changed += 1
    return changed
