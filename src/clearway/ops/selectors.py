"""Reading the status: each component probed now, and the notices (open, coming, past).

The page answers even when what it probes does not: a failure is a component's status, never an
error of the page. When the database does not answer, the caller reports `status_unreachable`: the
database down and the components whose state lives in it unknown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from clearway.declarations.models import DeclarationEvent
from clearway.exchange import selectors as exchange
from clearway.notifications import service as notifications
from clearway.notifications.models import RelayState
from clearway.ops.models import Heartbeat, StatusNotice, StatusNoticeUpdate
from clearway.ops.schemas import (
    CLOSED,
    COMPONENTS,
    SEVERITY,
    BacklogRead,
    ComponentRead,
    NoticeRead,
    StatusRead,
    UpdateRead,
)
from clearway.risk import selectors as risk

WORKER = "worker"
# The worker beats every HEARTBEAT_S; after STALE_S without a beat it is reported down.
HEARTBEAT_S = 10.0
STALE_S = 60.0
RISK_WINDOW = timedelta(minutes=15)
UPCOMING = timedelta(days=14)
OUTBOX_BACKLOG = 1000  # notifications not yet relayed beyond which delivery counts as degraded


def _probe(key: str, run: Callable[[], tuple[str, str]]) -> ComponentRead:
    started = time.perf_counter()
    status, detail = run()
    return ComponentRead(key=key, status=status, detail=detail,  # type: ignore[arg-type]
                         checked_ms=round((time.perf_counter() - started) * 1000, 2))


def heartbeat_age(*, db: Session, now: datetime, name: str = WORKER) -> float | None:
    """Seconds since the process last beat (never negative), or None if it never has."""
    beat = db.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))
    return None if beat is None else max((now - beat).total_seconds(), 0.0)


def _worker(db: Session, now: datetime) -> tuple[str, str]:
    age = heartbeat_age(db=db, now=now)
    if age is None:
        return "unknown", "no heartbeat recorded"
    return ("operational" if age <= STALE_S else "down"), f"last beat {age:.0f} s ago"


def events_unrelayed(*, db: Session) -> int:
    """Declaration events past the relay's high-water mark: the notifications still to be made (the worker's)."""
    mark = select(func.coalesce(func.max(RelayState.last_event_id), 0)).where(RelayState.id == 1).scalar_subquery()
    return int(db.scalar(select(func.count()).select_from(DeclarationEvent).where(DeclarationEvent.id > mark)) or 0)


def backlog_now(*, db: Session, now: datetime) -> BacklogRead:
    """What waits for the worker now, and how long ago it last beat."""
    counts = notifications.outbox_backlog(db=db)
    return BacklogRead(events=events_unrelayed(db=db), outbox=counts["outbox"], pending=counts["pending"],
                       retrying=counts["retrying"], dead=counts["dead"],
                       worker_beat_age_s=heartbeat_age(db=db, now=now), worker_stale_after_s=STALE_S)


def _risk(db: Session, now: datetime) -> tuple[str, str]:
    mode = risk.engine_mode(db=db, since=now - RISK_WINDOW)
    if mode.degraded is not None:
        return "degraded", f"risk.degraded: {mode.degraded} ({mode.degraded_count} of {mode.decisions} decisions " \
                           f"in {RISK_WINDOW.seconds // 60} min)"
    if mode.degraded_count:
        return "operational", f"recovered ({mode.degraded_count} of {mode.decisions} decisions degraded " \
                              f"in {RISK_WINDOW.seconds // 60} min)"
    return "operational", f"{mode.decisions} decisions in {RISK_WINDOW.seconds // 60} min"


def _outbound(db: Session, now: datetime) -> tuple[str, str]:
    # A trader's own endpoint failing (retrying, dead) is that trader's, not an outage: it is in the detail only.
    # Degraded: the relay is not draining the outbox, or a partner administration's messages are failing.
    backlog = notifications.outbox_backlog(db=db)
    failing = [p.code for p in exchange.partners(db=db, now=now) if p.failing]
    detail = (f"outbox {backlog['outbox']}, notifications pending {backlog['pending']}, retrying "
              f"{backlog['retrying']}, dead {backlog['dead']}"
              + (f"; partner messages failing: {', '.join(failing)}" if failing else ""))
    return ("degraded" if backlog["outbox"] > OUTBOX_BACKLOG or failing else "operational"), detail


def _database(db: Session) -> tuple[str, str]:
    started = time.perf_counter()
    db.execute(text("SELECT 1"))
    return "operational", f"answered in {(time.perf_counter() - started) * 1000:.1f} ms"


def notice_read(notice: StatusNotice, updates: list[StatusNoticeUpdate], now: datetime) -> NoticeRead:
    """The read shape of a notice and its updates (newest first)."""
    return NoticeRead(id=notice.id, kind=notice.kind, state=notice.state, active=notice_active(notice, now),
                      title=dict(notice.title), services=list(notice.services), starts_at=notice.starts_at,
                      ends_at=notice.ends_at, updated_at=notice.updated_at,
                      updates=[UpdateRead(state=u.state, message=dict(u.message), at=u.at)
                               for u in sorted(updates, key=lambda u: (u.at, u.id), reverse=True)])


def notice_active(notice: StatusNotice, now: datetime) -> bool:
    """Open and begun: an incident until resolved, a maintenance within its window or while in progress."""
    if notice.state in CLOSED or notice.starts_at > now:
        return False
    return notice.kind == "incident" or notice.state == "in_progress" or notice.ends_at is None \
        or notice.ends_at > now


def _with_updates(db: Session, notices: list[StatusNotice], now: datetime) -> list[NoticeRead]:
    ids = [n.id for n in notices]
    updates: dict[int, list[StatusNoticeUpdate]] = {i: [] for i in ids}
    if ids:
        for u in db.scalars(select(StatusNoticeUpdate).where(StatusNoticeUpdate.notice_id.in_(ids))):
            updates[u.notice_id].append(u)
    return [notice_read(n, updates[n.id], now) for n in notices]


def notices_current(*, db: Session, now: datetime) -> list[NoticeRead]:
    """Open notices that have begun or begin within two weeks, soonest first."""
    rows = list(db.scalars(select(StatusNotice).where(StatusNotice.state.not_in(CLOSED),
                                                      StatusNotice.starts_at <= now + UPCOMING)
                           .order_by(StatusNotice.starts_at, StatusNotice.id)))
    return _with_updates(db, rows, now)


def notices_history(*, db: Session, now: datetime, limit: int) -> list[NoticeRead]:
    """Every notice, latest start first (the incident history)."""
    rows = list(db.scalars(select(StatusNotice).order_by(StatusNotice.starts_at.desc(), StatusNotice.id.desc())
                           .limit(limit)))
    return _with_updates(db, rows, now)


def notice_get(*, db: Session, notice_id: int, now: datetime) -> NoticeRead | None:
    """One notice with its updates, or None."""
    notice = db.get(StatusNotice, notice_id)
    return None if notice is None else _with_updates(db, [notice], now)[0]


def component_probes(*, db: Session, now: datetime) -> dict[str, ComponentRead]:
    """Every component as its probe finds it now, before notices are taken into account."""
    return {"api": ComponentRead(key="api", status="operational", detail="answering"),
            "database": _probe("database", lambda: _database(db)),
            "worker": _probe("worker", lambda: _worker(db, now)),
            "risk": _probe("risk", lambda: _risk(db, now)),
            "outbound": _probe("outbound", lambda: _outbound(db, now))}


def status_now(*, db: Session, now: datetime) -> StatusRead:
    """Every component probed now, adjusted by the active notices, and the overall status (the worst)."""
    components = component_probes(db=db, now=now)
    notices = notices_current(db=db, now=now)
    for notice in notices:
        if not notice.active:
            continue
        floor = "maintenance" if notice.kind == "maintenance" else "degraded"
        for key in notice.services:
            part = components[key]
            if SEVERITY[floor] > SEVERITY[part.status]:
                components[key] = part.model_copy(update={"status": floor, "detail": f"notice {notice.id}: "
                                                          f"{notice.kind} ({part.detail})"})
    return _overall(components, notices, now, backlog_now(db=db, now=now))


def _overall(components: dict[str, ComponentRead], notices: list[NoticeRead], now: datetime,
             backlog: BacklogRead | None = None) -> StatusRead:
    listed = [components[k] for k in COMPONENTS]
    overall = max((c.status for c in listed), key=SEVERITY.__getitem__)
    return StatusRead(status=overall, checked_at=now, components=listed, notices=notices, backlog=backlog)


def status_unreachable(*, now: datetime, error: Exception) -> StatusRead:
    """The status when the database does not answer: down, the components that live in it unknown."""
    components = {"api": ComponentRead(key="api", status="operational", detail="answering"),
                  "database": ComponentRead(key="database", status="down",
                                            detail=f"unreachable: {type(error).__name__}")}
    components |= {k: ComponentRead(key=k, status="unknown", detail="database unreachable")
                   for k in COMPONENTS if k not in components}
    return _overall(components, [], now)
