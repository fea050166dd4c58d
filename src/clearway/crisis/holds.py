"""The emergency rules' reasons to hold goods: a closure profile in force for the declaration's office and goods,
and relief goods whose duty is not settled as their profile allows (and the waiver of a profile that waives it).

It reads the profiles at the moment it is asked, so the hold lifts by itself when the profile's end time
passes, even before the expiry job has written the lifting down.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.config import get_settings
from clearway.crisis import selectors
from clearway.crisis.emergency import RULE
from clearway.crisis.models import EmergencyProfile
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.holds import Hold, Waiver
from clearway.tariff.models import AssessmentRecord


def emergency_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold the goods while a profile with the "hold" effect covers their office and goods."""
    doc = declaration.document or {}
    profiles = selectors.emergency_active(db=db, now=utcnow(), office=declaration.office, doc=doc)
    return [Hold("crisis.emergency_hold", "customs",
                 {"profile": str(p.id), "kind": p.kind, "until": p.expires_at.strftime("%Y-%m-%d %H:%M UTC")})
            for p in profiles if p.effect == "hold"]


# The holds a relief profile that waives duties lifts: the duty not paid or secured, or not assessed at all.
RELIEF_DUTY_LIFTS = frozenset({"duty.unpaid", "duty.not_assessed"})
RELIEF_WAIVED = "waived"  # the profile's "duties" parameter: waived by the measure, or (default) "secured"


def relief_profiles(db: Session, declaration: Declaration) -> list[EmergencyProfile]:
    """The relief profiles the declaration was channelled under (read from its channel reasons).

    Relief status is fixed at lodging: goods lodged under a relief profile keep its duty terms after it ends.
    """
    ids = sorted({int(r["profile"]) for r in declaration.channel_reasons or []
                  if r.get("rule") == RULE and r.get("kind") == "relief" and r.get("profile") is not None})
    return [p for p in (db.get(EmergencyProfile, i) for i in ids) if p is not None]


def relief_waives(profile: EmergencyProfile) -> bool:
    """True when the relief profile waives the duties of the goods lodged under it."""
    return (profile.params or {}).get("duties") == RELIEF_WAIVED


def _unsettled(profiles: list[EmergencyProfile]) -> list[Hold]:
    return [Hold("crisis.relief_duty_unsettled", "trader", {"profile": str(profiles[0].id)})]


def relief_duty_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Relief goods go before their duties are final only once the duty is settled: waived by the profile, or
    assessed and then paid or secured (the tariff's own hold says which). Goods with no assessment at all are
    held here even where the administration assesses ordinary imports elsewhere: the amount to secure is unknown."""
    profiles = relief_profiles(db, declaration)
    if not profiles or any(relief_waives(p) for p in profiles) or get_settings().duty_assessment_required:
        return []  # (where every import must be assessed, the tariff's own "not assessed" hold says it)
    assessed = db.scalar(select(AssessmentRecord.id).where(AssessmentRecord.declaration_id == declaration.id,
                                                           AssessmentRecord.superseded.is_(False)).limit(1))
    return [] if assessed is not None else _unsettled(profiles)


def relief_duty_waivers(db: Session, declaration: Declaration) -> list[Waiver]:
    """The waiver of a relief profile whose terms waive the duties of the goods lodged under it (RKC J5)."""
    return [Waiver(RELIEF_DUTY_LIFTS, "crisis.relief_duty_waived", {"profile": str(p.id)})
            for p in relief_profiles(db, declaration) if relief_waives(p)][:1]
