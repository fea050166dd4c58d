"""The emergency rules' reason to hold goods: a closure profile in force for the declaration's office and goods.

It reads the profiles at the moment it is asked, so the hold lifts by itself when the profile's end time
passes, even before the expiry job has written the lifting down.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearway.crisis import selectors
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.holds import Hold


def emergency_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold the goods while a profile with the "hold" effect covers their office and goods."""
    doc = declaration.document or {}
    profiles = selectors.emergency_active(db=db, now=utcnow(), office=declaration.office, doc=doc)
    return [Hold("crisis.emergency_hold", "customs",
                 {"profile": str(p.id), "kind": p.kind, "until": p.expires_at.strftime("%Y-%m-%d %H:%M UTC")})
            for p in profiles if p.effect == "hold"]
