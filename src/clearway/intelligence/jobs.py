"""Background jobs of intelligence: enhanced controls and watchlist entries made from alerts are lifted when
their expiry passes."""

from __future__ import annotations

from typing import Any

from clearway.db import utcnow
from clearway.intelligence.derived import derived_expire_due
from clearway.jobs import Job


def expiry_pass(ctx: Any) -> int:
    """Lift every derived item past its expiry (each lifting recorded in the risk changes and the audit trail)."""
    with ctx.sessions() as db, db.begin():
        return len(derived_expire_due(db=db, now=utcnow()))


def jobs() -> list[Job]:
    """The domain's jobs: the expiry runs every minute, so an enhanced control outlives its expiry by a minute."""
    return [Job(name="intelligence.derived_expiry", every_s=60, run=expiry_pass)]
