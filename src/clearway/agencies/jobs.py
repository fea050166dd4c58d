"""The single window's background jobs: service levels (overdue flags, the fallback of agencies reached
through their own systems), write-off of released declarations' reservations, low-balance notices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.agencies import permits
from clearway.agencies.models import PermitUse, Referral
from clearway.agencies.registry import live_agencies
from clearway.audit.service import audit_append
from clearway.db import utcnow
from clearway.declarations.lifecycle import SYSTEM_ACTOR, declaration_note
from clearway.declarations.models import Declaration
from clearway.holds import Release
from clearway.jobs import Job

LOW_SHARE = Decimal("0.1")  # a permit "runs low" under a tenth of what was granted
BATCH = 500


def overdue_pass(*, db: Session, release: Release, now: datetime) -> int:
    """Flag referrals past their due time; for an agency reached by its own system apply its profile's
    fallback (hold, or release with a risk flag and a post-release task), recorded as such."""
    live = live_agencies(db)
    late = list(db.scalars(select(Referral).where(Referral.superseded.is_(False), Referral.decision.is_(None),
                                                  Referral.overdue.is_(False), Referral.due_at < now)
                           .order_by(Referral.due_at).limit(BATCH).with_for_update(skip_locked=True)))
    touched: set[int] = set()
    for r in late:
        r.overdue = True
        profile = live.get(r.agency)
        if profile is None or profile.reach.kind != "system":
            continue  # an agency working in Clearway sees the flag in its inbox; its supervisor too
        rule = profile.reach.fallback
        r.fallback = rule
        if rule == "release_flagged":
            r.decision, r.decided_at, r.decided_by = "release", now, "fallback"
            r.post_release_task = True
            r.reason = f"no answer from {r.agency} by {r.due_at:%Y-%m-%d %H:%M} UTC: released with a risk flag"
            touched.add(r.declaration_id)
        audit_append(db=db, actor=SYSTEM_ACTOR.username, actor_org=SYSTEM_ACTOR.organisation_code,
                     action="referral.fallback", target_type="declaration", target_id=r.mrn,
                     detail={"referral": r.id, "agency": r.agency, "rule": rule}, at=now)
        declaration = db.get(Declaration, r.declaration_id)
        if declaration is not None:
            declaration_note(db=db, actor=SYSTEM_ACTOR, declaration=declaration, kind="agency_fallback",
                             reason=f"{r.agency} did not answer on item {r.item + 1} in time: {rule}", now=now,
                             code=f"agency_fallback.{rule}", params={"agency": r.agency, "item": r.item + 1})
    db.flush()
    for declaration_id in sorted(touched):
        declaration = db.get(Declaration, declaration_id, with_for_update=True)
        if declaration is not None and declaration.status == "channelled":
            release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                            reason="agency fallback: released with a risk flag", now=now,
                            code="released.agency_fallback", params={})
    return len(late)


def write_off_pass(*, db: Session, now: datetime) -> int:
    """Write off the reservations of declarations that were released."""
    ids = list(db.scalars(select(PermitUse.declaration_id).join(Declaration, Declaration.id == PermitUse.declaration_id)
                          .where(PermitUse.state == "reserved", Declaration.status.in_(("released", "cleared")))
                          .distinct().limit(BATCH)))
    return permits.uses_write_off(db=db, declaration_ids=ids, now=now)


def _overdue(ctx: Any) -> int:
    with ctx.sessions() as db, db.begin():
        return overdue_pass(db=db, release=ctx.wiring.release, now=utcnow())


def _write_off(ctx: Any) -> int:
    with ctx.sessions() as db, db.begin():
        return write_off_pass(db=db, now=utcnow())


def _running_low(ctx: Any) -> int:
    with ctx.sessions() as db, db.begin():
        return permits.permits_running_low(db=db, share=LOW_SHARE, now=utcnow())


def jobs() -> list[Job]:
    """This domain's jobs."""
    return [Job("agency_service_levels", 30.0, _overdue), Job("permit_write_off", 30.0, _write_off),
            Job("permit_running_low", 60.0, _running_low)]
