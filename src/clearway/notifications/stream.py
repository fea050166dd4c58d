"""The event stream: every declaration event published to NATS JetStream, for systems (agencies, warehouses).

Traders keep webhooks and the pull feed; systems read the stream. Each event is published with the
header `Nats-Msg-Id: clearway-event-<id>`, and the stream keeps a duplicate window longer than any
republication can come late, so a relay that dies after publishing and before committing its
high-water mark publishes the same events again and the stream stores them once: no gap, no duplicate.

The stream follows the notification relay's high-water mark, which already waits at id gaps (ids
that become visible out of order on PostgreSQL); events that appear later inside a gap the relay
stepped over are published again on every pass while the gap is remembered, and the duplicate window
keeps one copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration, DeclarationEvent
from clearway.notifications.events import rfc3339
from clearway.notifications.models import RelayGap, RelayState, StreamState

SUBJECT_ROOT = "clearway"
# The domain an event belongs to, by event kind (its subject's second token); anything else is a declaration's.
DOMAINS = {
    "awaiting_payment": "tariff", "paid": "tariff", "reassessed": "tariff", "duty_adjusted": "tariff",
    "documents_requested": "controls", "documents_received": "controls", "inspection_scheduled": "controls",
    "inspection_requested": "controls", "inspection_started": "controls", "inspection_ended": "controls",
    "goods_available": "controls", "check_done": "controls", "control_finished": "controls",
    "rerouted": "controls", "agency_fallback": "agencies",
}
_TOKEN = re.compile(r"[^A-Za-z0-9_-]")
EVENT_COLUMNS = (DeclarationEvent.id, DeclarationEvent.kind, DeclarationEvent.from_status,
                 DeclarationEvent.to_status, DeclarationEvent.at, DeclarationEvent.reason, DeclarationEvent.version,
                 Declaration.mrn, Declaration.lrn, Declaration.office, Declaration.declarant_id)


@dataclass(frozen=True)
class StreamMessage:
    """One event as it goes on the stream."""

    subject: str
    msg_id: str
    payload: bytes
    at: datetime  # when the event happened (for the publish lag)


def subject_of(kind: str, office: str) -> str:
    """The subject of an event: clearway.<domain>.<office>.<kind> (tokens safe for NATS)."""
    domain = DOMAINS.get(kind, "declarations")
    return f"{SUBJECT_ROOT}.{domain}.{_TOKEN.sub('_', office) or '_'}.{_TOKEN.sub('_', kind)}"


def message_of(row: Any) -> StreamMessage:
    """The stream message of one declaration event row."""
    body = {"id": row.id, "type": row.kind, "at": rfc3339(row.at), "from": row.from_status, "to": row.to_status,
            "version": row.version, "reason": row.reason,
            "declaration": {"mrn": row.mrn, "lrn": row.lrn, "office": row.office, "declarant": row.declarant_id}}
    return StreamMessage(subject_of(row.kind, row.office), f"clearway-event-{row.id}", orjson.dumps(body), row.at)


def _state(db: Session) -> StreamState:
    state = db.scalar(select(StreamState).where(StreamState.id == 1).with_for_update())
    if state is None:
        try:
            with db.begin_nested():
                db.add(StreamState(id=1, last_event_id=0, published=0, consumers={}))
        except IntegrityError:
            pass  # another relay created it first
        state = db.scalar(select(StreamState).where(StreamState.id == 1).with_for_update())
    assert state is not None
    return state


def _rows(db: Session, after: int, ceiling: int, limit: int) -> list[Any]:
    query = (select(*EVENT_COLUMNS).join(Declaration, Declaration.id == DeclarationEvent.declaration_id)
             .where(DeclarationEvent.id > after, DeclarationEvent.id <= ceiling)
             .order_by(DeclarationEvent.id).limit(limit))
    return list(db.execute(query).all())


def _late(db: Session, after: int) -> list[Any]:
    """Events inside the gaps the notification relay stepped over, up to what the stream has passed."""
    gaps = [g for g in db.scalars(select(RelayGap)) if g.from_id <= after]
    if not gaps:
        return []
    inside = or_(*[DeclarationEvent.id.between(g.from_id, min(g.to_id, after)) for g in gaps])
    query = (select(*EVENT_COLUMNS).join(Declaration, Declaration.id == DeclarationEvent.declaration_id)
             .where(inside).order_by(DeclarationEvent.id))
    return list(db.execute(query).all())


Publish = Callable[[Sequence[StreamMessage]], int]


def stream_publish_once(*, db: Session, publish: Publish, batch: int, now: datetime) -> int:
    """Publish the events committed since the last pass; how many events the pass covered.

    `publish` raises when any message is not acknowledged: the caller's transaction then rolls back,
    the high-water mark stays, and the next pass publishes the batch again (stored once).
    """
    state = _state(db)
    ceiling = db.scalar(select(RelayState.last_event_id).where(RelayState.id == 1)) or 0
    rows = _rows(db, state.last_event_id, ceiling, batch)
    late = _late(db, state.last_event_id)
    if not rows and not late:
        return 0
    stored = publish([message_of(r) for r in (*late, *rows)])
    if rows:
        state.last_event_id = rows[-1].id
    state.published += stored
    state.updated_at = now
    db.flush()
    return len(rows)


def stream_consumers_record(*, db: Session, pending: dict[str, int]) -> None:
    """Record each consumer's lag as the stream reported it (for /metrics)."""
    state = _state(db)
    if state.consumers != pending:
        state.consumers = pending
        db.flush()


def stream_pending(db: Session) -> tuple[int, dict[str, int]] | None:
    """Events committed and not yet on the stream, and each consumer's pending count (None: no stream)."""
    state = db.get(StreamState, 1)
    if state is None:
        return None
    newest = db.scalar(select(func.max(DeclarationEvent.id))) or 0
    return max(newest - state.last_event_id, 0), dict(state.consumers or {})


class JetStreamPublisher:
    """A connection to one JetStream stream, used from the worker's (synchronous) job threads.

    The connection lives on a private event loop that each call drives to completion; calls never
    overlap (a job runs one pass at a time). `lags_s` keeps the publish lag of recent messages.
    """

    def __init__(self, *, url: str, name: str, duplicate_window_s: float, in_flight: int = 1000):
        self.url, self.name, self.window, self.in_flight = url, name, duplicate_window_s, in_flight
        self._loop = asyncio.new_event_loop()
        self._nc: Any = None
        self._js: Any = None
        self.lags_s: list[float] = []

    async def _connect(self) -> None:
        import nats
        from nats.js.api import StreamConfig

        if self._nc is not None and self._nc.is_connected:
            return
        self._nc = await nats.connect(self.url, connect_timeout=2, max_reconnect_attempts=2, allow_reconnect=True)
        self._js = self._nc.jetstream(timeout=5)
        config = StreamConfig(name=self.name, subjects=[f"{SUBJECT_ROOT}.>"], duplicate_window=self.window)
        try:
            await self._js.stream_info(self.name)
            await self._js.update_stream(config)
        except Exception:  # not found: create it (any other failure surfaces from add_stream)
            await self._js.add_stream(config)

    async def _publish(self, messages: Sequence[StreamMessage]) -> int:
        await self._connect()
        stored = 0
        for start in range(0, len(messages), self.in_flight):
            chunk = messages[start:start + self.in_flight]
            # Asynchronous publishes share one reply subscription: no request round trip per message.
            futures = [await self._js.publish_async(m.subject, m.payload, wait_stall=5,
                                                    headers={"Nats-Msg-Id": m.msg_id}) for m in chunk]
            acks = await asyncio.wait_for(asyncio.gather(*futures), timeout=10)
            acked = time.time()
            stored += sum(1 for a in acks if not a.duplicate)
            self.lags_s.extend(acked - m.at.timestamp() for m in chunk)
        del self.lags_s[:-100_000]
        return stored

    def publish(self, messages: Sequence[StreamMessage]) -> int:
        """Publish and wait for every acknowledgement; how many were stored (not duplicates)."""
        return self._loop.run_until_complete(self._publish(messages))

    async def _consumers(self) -> dict[str, int]:
        await self._connect()
        return {c.name: int(c.num_pending) + int(c.num_ack_pending)
                for c in await self._js.consumers_info(self.name)}

    def consumers_pending(self) -> dict[str, int]:
        """Each durable consumer's messages not yet delivered or not yet acknowledged (its lag)."""
        return self._loop.run_until_complete(self._consumers())

    def close(self) -> None:
        """Drain and close the connection and its loop."""
        if self._nc is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing more to do
                self._loop.run_until_complete(self._nc.close())
        self._loop.close()
