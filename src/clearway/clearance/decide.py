"""An officer's decision on a declaration: start a control, release, detain, clear, or send it back to channelled.

Release and clearance go through the one release decision; detention places the hold that keeps the
goods until it is lifted, whichever path it is asked through.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.clearance.wiring import Wiring
from clearway.controls import service as controls
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration


def declaration_decide(*, db: Session, wiring: Wiring, actor: Principal, declaration: Declaration, target: str,
                       reason: str, now: datetime) -> Declaration:
    """Apply an officer's decision, with its reason (audited)."""
    if target == "released":
        return wiring.release.decide(db=db, declaration=declaration, actor=actor, reason=reason, now=now)
    if target == "cleared":
        return wiring.release.clear(db=db, declaration=declaration, actor=actor, reason=reason, now=now)
    if target == "detained":
        controls.declaration_detain(db=db, actor=actor, declaration=declaration, reason=reason, now=now)
        return declaration
    return declarations.declaration_transition(db=db, actor=actor, declaration=declaration, target=target,
                                               reason=reason, now=now)
