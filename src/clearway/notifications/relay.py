"""The outbox relay: declaration events (and outbox rows) become numbered notifications and deliveries.

Lodging writes no outbox row of its own: the declaration events it already writes in the same
transaction are the outbox. The relay reads them in id order after its high-water mark. On
PostgreSQL an id can become visible after a higher one (ids are taken before commit), so at a gap
the relay waits up to `relay_gap_wait_s` for it; then it steps over and records the gap, and
relays any event that shows up inside a recorded gap later. One relay runs at a time (it locks
its state row), so per-organisation sequence numbers commit in order and the pull feed never
skips. Events of one declaration commit in id order (they lock the declaration row), so they
are relayed in order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration, DeclarationEvent
from clearway.notifications.events import event_data, notification_type, rfc3339
from clearway.notifications.models import Delivery, Notification, OutboxMessage, RelayGap, RelayState, Subscriber

BATCH = 2000
GAP_MEMORY = timedelta(hours=1)  # a gap older than this was a rollback: forget it
EVENT_COLUMNS = (DeclarationEvent.id, DeclarationEvent.declaration_id, DeclarationEvent.kind,
                 DeclarationEvent.from_status, DeclarationEvent.to_status, DeclarationEvent.at,
                 DeclarationEvent.reason, DeclarationEvent.version, Declaration.mrn, Declaration.lrn,
                 Declaration.declarant_id, Declaration.lodged_by)


def _state(db: Session) -> RelayState:
    state = db.scalar(select(RelayState).where(RelayState.id == 1).with_for_update())
    if state is None:
        try:
            with db.begin_nested():
                db.add(RelayState(id=1, last_event_id=0))
        except IntegrityError:
            pass  # another relay created it first
        state = db.scalar(select(RelayState).where(RelayState.id == 1).with_for_update())
    assert state is not None
    return state


def _contiguous(db: Session, state: RelayState, rows: list[Any], now: datetime, wait: float) -> list[Any]:
    """The rows up to the first gap still worth waiting for; older gaps are recorded and stepped over."""
    taken, expected = [], state.last_event_id + 1
    for row in rows:
        if row.id != expected:
            if state.gap_after_id != expected - 1 or state.gap_seen_at is None:
                state.gap_after_id, state.gap_seen_at = expected - 1, now
                break
            if (now - state.gap_seen_at).total_seconds() < wait:
                break
            db.add(RelayGap(from_id=expected, to_id=row.id - 1, skipped_at=now))
        state.gap_after_id, state.gap_seen_at = None, None
        taken.append(row)
        expected = row.id + 1
    if taken:
        state.last_event_id = taken[-1].id
    return taken


def _late(db: Session, now: datetime) -> list[Any]:
    """Events that appeared inside gaps the relay stepped over (slow commits), not yet relayed."""
    db.execute(delete(RelayGap).where(RelayGap.skipped_at < now - GAP_MEMORY))
    gaps = list(db.scalars(select(RelayGap)))
    if not gaps:
        return []
    inside = or_(*[DeclarationEvent.id.between(g.from_id, g.to_id) for g in gaps])
    rows = list(db.execute(select(*EVENT_COLUMNS).join(Declaration, Declaration.id == DeclarationEvent.declaration_id)
                           .where(inside).order_by(DeclarationEvent.id)).all())
    seen = {r.id for r in rows}
    for gap in gaps:  # forget gaps whose every id has now been seen
        if all(i in seen for i in range(gap.from_id, gap.to_id + 1)):
            db.delete(gap)
    if not rows:
        return []
    done = set(db.scalars(select(Notification.event_id).where(Notification.event_id.in_(seen))))
    return [r for r in rows if r.id not in done]


def _messages(rows: list[Any]) -> list[dict[str, Any]]:
    """One message per event and organisation concerned (the declarant, and the filer if another)."""
    out = []
    for row in rows:
        kind = notification_type(row.kind, row.from_status, row.to_status)
        if kind is None:
            continue
        for org in dict.fromkeys((row.declarant_id, row.lodged_by)):
            out.append({"organisation": org, "kind": kind, "declaration_id": row.declaration_id, "mrn": row.mrn,
                        "event_id": row.id, "at": row.at, "data": event_data(row), "key": f"d{row.declaration_id}"})
    return out


def _subscribers(db: Session, orgs: set[str], now: datetime) -> dict[str, Subscriber]:
    found = {s.organisation: s for s in db.scalars(select(Subscriber).where(Subscriber.organisation.in_(orgs))
                                                   .with_for_update())}
    for org in sorted(orgs - set(found)):
        subscriber = Subscriber(organisation=org, last_seq=0, active=False, secrets=[], updated_at=now)
        db.add(subscriber)
        found[org] = subscriber
    db.flush()
    return found


def _store(db: Session, messages: list[dict[str, Any]], now: datetime) -> int:
    """Number the messages per organisation and store them, with a delivery for each active endpoint."""
    if not messages:
        return 0
    subscribers = _subscribers(db, {m["organisation"] for m in messages}, now)
    rows = []
    for m in messages:
        subscriber = subscribers[m["organisation"]]
        subscriber.last_seq += 1
        body = {"type": m["kind"], "timestamp": rfc3339(m["at"]),
                "data": {"seq": subscriber.last_seq, "organisation": m["organisation"], **m["data"]}}
        rows.append({"organisation": m["organisation"], "seq": subscriber.last_seq, "kind": m["kind"],
                     "declaration_id": m["declaration_id"], "mrn": m["mrn"], "event_id": m["event_id"],
                     "payload": body, "created_at": now})
    ids = db.scalars(insert(Notification).returning(Notification.id, sort_by_parameter_order=True), rows).all()
    deliveries = [{"notification_id": nid, "organisation": m["organisation"], "ordering_key": m["key"] or f"n{nid}",
                   "status": "pending", "attempts": 0, "next_attempt_at": now}
                  for nid, m in zip(ids, messages, strict=True) if subscribers[m["organisation"]].active]
    if deliveries:
        db.execute(insert(Delivery), deliveries)
    db.flush()
    return len(rows)


def _outbox(db: Session) -> list[dict[str, Any]]:
    query = select(OutboxMessage).order_by(OutboxMessage.id).limit(BATCH)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(db.scalars(query))
    if rows:
        db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows])))
    return [{"organisation": r.organisation, "kind": r.kind, "declaration_id": None, "mrn": None, "event_id": None,
             "at": r.created_at, "data": r.payload, "key": None} for r in rows]


def relay_once(*, db: Session, now: datetime, gap_wait_s: float) -> int:
    """Turn what was committed since the last pass into notifications; how many were made."""
    state = _state(db)
    rows = list(db.execute(select(*EVENT_COLUMNS).join(Declaration, Declaration.id == DeclarationEvent.declaration_id)
                           .where(DeclarationEvent.id > state.last_event_id)
                           .order_by(DeclarationEvent.id).limit(BATCH)).all())
    events = _contiguous(db, state, rows, now, gap_wait_s)
    return _store(db, _messages(_late(db, now)) + _messages(events) + _outbox(db), now)
