"""Stream counters, locked while a message is numbered (out) or applied (in)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.exchange.models import Stream


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
