"""Stream counters, locked while a message is numbered (out) or applied (in)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.exchange.models import Stream


def tx_cache(db: Session) -> dict[Any, Any]:
    """Values that hold until the caller's transaction ends (a row locked in it stays locked and current)."""
    tx = db.get_transaction()
    held = db.info.get("exchange_tx")
    if held is None or held[0] is not tx:
        held = db.info["exchange_tx"] = (tx, {})
    cache: dict[Any, Any] = held[1]
    return cache


def stream_locked_once(*, db: Session, partner: str, direction: str, name: str) -> Stream:
    """stream_locked, looked up once per transaction."""
    cache = tx_cache(db)
    found: Stream | None = cache.get(("stream", partner, direction, name))
    if found is None:
        found = cache[("stream", partner, direction, name)] = stream_locked(db=db, partner=partner,
                                                                             direction=direction, name=name)
    return found


def stream_locked(*, db: Session, partner: str, direction: str, name: str) -> Stream:
    """The stream's row, created when first used, locked until the caller's transaction ends."""
    query = (select(Stream).where(Stream.partner == partner, Stream.direction == direction, Stream.name == name)
             .with_for_update())
    row = db.scalar(query)
    if row is not None:
        return row
    try:
        with db.begin_nested():
            db.add(Stream(partner=partner, direction=direction, name=name, last_seq=0))
    except IntegrityError:  # another transaction created it first: wait for its lock like everyone else
        pass
    row = db.scalar(query)
    assert row is not None
    return row
