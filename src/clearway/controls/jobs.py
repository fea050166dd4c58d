"""The controls domain's background job: hand unassigned tasks to examiners, office by office."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clearway.controls.models import Examiner
from clearway.controls.queue import assignments_run
from clearway.db import utcnow
from clearway.jobs import Job


def assign(ctx: Any) -> int:
    """Assign open tasks in every office that has active examiners; how many."""
    total = 0
    with ctx.sessions() as db, db.begin():
        offices = list(db.scalars(select(Examiner.office).where(Examiner.active.is_(True)).distinct()))
    for office in offices:
        with ctx.sessions() as db, db.begin():
            total += assignments_run(db=db, office=office, now=utcnow())
    return total


def jobs() -> list[Job]:
    """This domain's jobs."""
    return [Job("assign", 30.0, assign)]
