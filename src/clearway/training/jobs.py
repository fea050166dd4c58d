"""The training domain's background job: reveal and score projections the officers have decided on."""

from __future__ import annotations

from typing import Any

from clearway.db import utcnow
from clearway.jobs import Job
from clearway.training.injection import injection_run
from clearway.training.projection import projections_sync


def reveal(ctx: Any) -> int:
    """Score every decided projection and withdraw its declaration; how many."""
    with ctx.sessions() as db, db.begin():
        return projections_sync(db=db, now=utcnow())


def jobs() -> list[Job]:
    """This domain's jobs: reveal and score decisions; inject projections at the configured rates."""
    return [Job("training-reveal", 30.0, reveal), *injection_jobs()]


def inject(ctx: Any) -> int:
    """Project training cases into the offices' live queues at their configured rates; how many."""
    with ctx.sessions() as db, db.begin():
        return injection_run(db=db, now=utcnow())


def injection_jobs() -> list[Job]:
    """The injection job, every five minutes: a rate of N a day is spread evenly over the day."""
    return [Job("training-inject", 300.0, inject)]
