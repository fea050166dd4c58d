"""The training domain's background job: reveal and score projections the officers have decided on."""

from __future__ import annotations

from typing import Any

from clearway.db import utcnow
from clearway.jobs import Job
from clearway.training.projection import projections_sync


def reveal(ctx: Any) -> int:
    """Score every decided projection and withdraw its declaration; how many."""
    with ctx.sessions() as db, db.begin():
        return projections_sync(db=db, now=utcnow())


def jobs() -> list[Job]:
    """This domain's jobs."""
    return [Job("training-reveal", 30.0, reveal)]
