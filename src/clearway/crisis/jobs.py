"""Background jobs of crisis operations: emergency profiles lift by themselves when their end time passes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clearway.crisis.models import EmergencyDecision
from clearway.crisis.service import emergency_expire_due
from clearway.db import utcnow
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration
from clearway.jobs import Job


def expire_pass(ctx: Any) -> int:
    """Lift every profile past its end time, then try again to release the goods a lifted closure held."""
    now = utcnow()
    with ctx.sessions() as db, db.begin():
        lifted = emergency_expire_due(db=db, now=now)
        held = [p.id for p in lifted if p.effect == "hold"]
        ids = list(db.scalars(select(EmergencyDecision.declaration_id).where(
            EmergencyDecision.profile_id.in_(held)))) if held else []
        for declaration in db.scalars(select(Declaration).where(Declaration.id.in_(ids),
                                                                Declaration.status == "channelled")):
            # The release decision still asks every provider: duty, agencies, another closure still in force.
            ctx.wiring.release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                                       reason="emergency profile lifted: released", now=now,
                                       code="released.emergency_lifted", params={})
        return len(lifted)


def jobs() -> list[Job]:
    """The domain's jobs: the expiry check runs every minute, so a profile outlives its end by a minute at most."""
    return [Job(name="crisis.emergency_expiry", every_s=60, run=expire_pass)]
