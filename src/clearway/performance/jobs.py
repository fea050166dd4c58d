"""The performance domain's background job: fold new events into release-time timelines and rollups."""

from __future__ import annotations

from typing import Any

from clearway.db import utcnow
from clearway.jobs import Job
from clearway.performance.timelines import timelines_refresh


def refresh(ctx: Any) -> int:
    """Fold new declaration events in, so reports find little to do; 0 (a pass a minute is not worth a log line)."""
    with ctx.sessions() as db, db.begin():
        timelines_refresh(db=db, now=utcnow())
    return 0


def jobs() -> list[Job]:
    """This domain's jobs."""
    return [Job("performance", 60.0, refresh)]
