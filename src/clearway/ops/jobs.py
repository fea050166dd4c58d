"""The operations domain's job: the worker's heartbeat, which the status page reads."""

from __future__ import annotations

from typing import Any

from clearway.db import utcnow
from clearway.jobs import Job
from clearway.ops import service
from clearway.ops.selectors import HEARTBEAT_S, WORKER


def heartbeat(ctx: Any) -> int:
    """Write the worker's heartbeat (the status page reports the worker down once it goes stale)."""
    started = ctx.resources.setdefault("started_at", utcnow())
    with ctx.sessions() as db, db.begin():
        service.heartbeat_beat(db=db, name=WORKER, now=utcnow(), started_at=started)
    return 0  # nothing worth a log line every few seconds


def jobs() -> list[Job]:
    """This domain's jobs."""
    return [Job("heartbeat", HEARTBEAT_S, heartbeat)]
