"""Lodging a relief consignment: the simplified declaration checked against the relief profile in force,
made a full document, and lodged through the one lodging flow (validation, duties, risk, release)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.clearance.lodge import declaration_lodge
from clearway.clearance.wiring import Wiring
from clearway.crisis.relief import relief_document, relief_profile
from clearway.crisis.schemas import ReliefCreate, ReliefRead


def relief_lodge(*, db: Session, wiring: Wiring, actor: Principal, draft: ReliefCreate, now: datetime) -> ReliefRead:
    """Lodge a simplified relief declaration under the relief profile in force, or refuse it with coded problems."""
    doc = relief_document(draft=draft, declarant=actor.organisation_code, now=now)
    profile = relief_profile(db=db, doc=doc, now=now)
    declaration = declaration_lodge(db=db, wiring=wiring, actor=actor, raw=doc, now=now)
    steps = [r for r in declaration.channel_reasons if r.get("profile") == profile.id]
    return ReliefRead(mrn=declaration.mrn, status=declaration.status, channel=declaration.channel,
                      profile=profile.id, post_clearance_audit=any(s.get("post_clearance_audit") for s in steps))
