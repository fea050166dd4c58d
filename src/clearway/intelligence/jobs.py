"""Background jobs of intelligence: enhanced controls and watchlist entries made from alerts are lifted when
their expiry passes, and finished controls report their outcome to the alerts that concerned them."""

from __future__ import annotations

from typing import Any

from clearway.db import utcnow
from clearway.intelligence.derived import derived_expire_due
from clearway.intelligence.feedback import outcomes_from_controls
from clearway.intelligence.overdue import feedback_overdue_pass
from clearway.intelligence.settings import intelligence_settings
from clearway.jobs import Job


def expiry_pass(ctx: Any) -> int:
    """Lift every derived item past its expiry (each lifting recorded in the risk changes and the audit trail)."""
    with ctx.sessions() as db, db.begin():
        return len(derived_expire_due(db=db, now=utcnow()))


def outcome_pass(ctx: Any) -> int:
    """Report the outcome of every control finished since the last pass back to the alerts that concerned it."""
    with ctx.sessions() as db, db.begin():
        return outcomes_from_controls(db=db, release=ctx.wiring.release, now=utcnow())


def overdue_pass(ctx: Any) -> int:
    """Raise a task for every feedback on an alert now overdue; close those an outcome or the alert's end settled."""
    days = intelligence_settings().feedback_days
    with ctx.sessions() as db, db.begin():
        return feedback_overdue_pass(db=db, now=utcnow(), days=days)


def jobs() -> list[Job]:
    """The domain's jobs: each runs every minute, so an enhanced control outlives its expiry by a minute and an
    originator hears of a control's outcome within a minute of its end. The settings are read here, when the
    worker starts, so a bad feedback period stops it at once with the validation error instead of failing each
    pass."""
    intelligence_settings()
    return [Job(name="intelligence.derived_expiry", every_s=60, run=expiry_pass),
            Job(name="intelligence.outcomes_from_controls", every_s=60, run=outcome_pass),
            # Days-long periods: checked every five minutes, a task is at most five minutes late.
            Job(name="intelligence.feedback_overdue", every_s=300, run=overdue_pass)]
