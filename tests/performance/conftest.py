"""Hand-built declarations and event timelines for the performance tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 10:00 in Seoul
_n = itertools.count(1)


def hours(h: float) -> timedelta:
    """A duration in hours."""
    return timedelta(hours=h)


def add_declaration(db: Any, events: list[tuple[str, datetime]], *, office: str = "KR0101", mode: str = "4",
                    channel: str = "green", declarant: str = "KR1000000001", arrival: datetime | None = None,
                    lodged_at: datetime | None = None) -> int:
    """Store a declaration with exactly these events (kind, time); returns its id."""
    from clearway.declarations.models import Declaration, DeclarationEvent

    n = next(_n)
    lodged_at = lodged_at or (events[0][1] if events else T0)
    transport: dict[str, Any] = {"mode": mode, "border_office": office}
    if arrival is not None:
        transport["arrival"] = arrival.isoformat().replace("+00:00", "Z")
    declaration_id = db.execute(insert(Declaration).returning(Declaration.id), {
        "mrn": f"26KR{n:014d}", "lrn": f"P-{n}", "version": 1, "type": "IM", "office": office, "status": "released",
        "channel": channel, "declarant_id": declarant, "lodged_by": declarant, "currency": "USD",
        "total_value": 100, "item_count": 1, "document": {"office": office, "transport": transport},
        "channel_reasons": [], "lodged_at": lodged_at, "updated_at": lodged_at}).scalar_one()
    for kind, at in events:
        db.execute(insert(DeclarationEvent), {
            "declaration_id": declaration_id, "kind": kind, "from_status": None, "to_status": "x", "at": at,
            "actor": "test", "actor_org": "test", "reason": None, "version": 1})
    return int(declaration_id)


def green(start: datetime, release_after: timedelta = timedelta(minutes=5), **kw: Any) -> list[tuple[str, datetime]]:
    """The events lodging writes for a green declaration, released `release_after` later."""
    return [("lodged", start), ("accepted", start + timedelta(seconds=10)), ("assessed", start + timedelta(seconds=10)),
            ("channelled", start + timedelta(seconds=20)), ("released", start + release_after)]


@pytest.fixture
def refreshed(db):  # type: ignore[no-untyped-def]
    """A function that folds the stored events into timelines (its own transaction)."""
    from clearway.performance.timelines import timelines_refresh

    def run() -> None:
        with db.begin():
            timelines_refresh(db=db, now=datetime.now(UTC))

    return run
