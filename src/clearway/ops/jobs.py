"""The operations domain's jobs: the worker's heartbeat (the status page reads it) and the status watch
(automatic incidents when a probe finds a component failing)."""

from __future__ import annotations

from typing import Any

from clearway.db import utcnow
from clearway.jobs import Job
from clearway.ops import selectors, service
from clearway.ops.selectors import HEARTBEAT_S, WORKER

WATCH_S = 60.0  # a failing component is announced within a minute or two (relay included)


def heartbeat(ctx: Any) -> int:
    """Write the worker's heartbeat (the status page reports the worker down once it goes stale)."""
    started = ctx.resources.setdefault("started_at", utcnow())
    with ctx.sessions() as db, db.begin():
        service.heartbeat_beat(db=db, name=WORKER, now=utcnow(), started_at=started)
    return 0  # nothing worth a log line every few seconds


def status_watch(ctx: Any) -> int:
    """Probe the components; open or resolve automatic incidents (subscribed traders are notified)."""
    with ctx.sessions() as db, db.begin():
        now = utcnow()
        return service.status_watch(db=db, probes=selectors.component_probes(db=db, now=now), now=now)


def jobs() -> list[Job]:
    """This domain's jobs."""
    return [Job("heartbeat", HEARTBEAT_S, heartbeat), Job("status-watch", WATCH_S, status_watch)]
