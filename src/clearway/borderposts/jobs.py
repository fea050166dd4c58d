"""Background jobs of the border-post domain: re-judge every pair's joint open time (tzdata, holidays)."""

from __future__ import annotations

from typing import Any

from clearway.borderposts.service import pairs_recheck
from clearway.db import utcnow
from clearway.jobs import Job


def recheck_pass(ctx: Any) -> int:
    """Compare each pair's coming week of joint open time with its last check; alerts raised."""
    with ctx.sessions() as db, db.begin():
        return len(pairs_recheck(db=db, now=utcnow()))


def jobs() -> list[Job]:
    """The domain's jobs: a recheck every hour catches a tzdata update after a restart and coming holidays."""
    return [Job(name="borderposts.recheck", every_s=3600, run=recheck_pass)]
