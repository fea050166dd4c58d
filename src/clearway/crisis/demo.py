"""The demo world's emergencies: a surge profile that ended by itself, and a public relief profile in force.

Both are declared before the history is lodged, so the declarations lodged inside their windows were
channelled under them and recorded with their ids, as they would have been.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from clearway.crisis.models import EmergencyProfile
from clearway.crisis.service import emergency_activate, emergency_lift

RELIEF_NOTICE = {
    "en": "Medicines and medical equipment (HS chapters 30 and 90) for the flood-hit provinces are released on "
          "arrival and audited after clearance.",
    "es": "Los medicamentos y el equipo médico (capítulos 30 y 90 del SA) para las provincias inundadas obtienen "
          "el levante a su llegada y se auditan después del despacho.",
    "fr": "Les médicaments et le matériel médical (chapitres 30 et 90 du SH) destinés aux provinces inondées "
          "obtiennent la mainlevée dès l'arrivée et sont contrôlés après dédouanement.",
}


def crisis_demo_seed(*, db: Session, now: datetime) -> list[EmergencyProfile]:
    """One expired and one active emergency profile."""
    start = now - timedelta(days=24)
    surge = emergency_activate(db=db, kind="surge", scope={"offices": ["KR0201"]}, params={"capacity_share": 0.5},
                               reason="Year-end peak at the port: half the usual inspection capacity",
                               expires_at=start + timedelta(days=4), actor="admin", now=start)
    emergency_lift(db=db, profile=surge, actor="system", now=surge.expires_at)  # what the expiry job did then
    begun = now - timedelta(days=7)
    relief = emergency_activate(db=db, kind="relief", scope={"hs_prefixes": ["30", "90"]}, params={},
                                reason="Flood relief: medicines and medical equipment",
                                expires_at=now + timedelta(days=5), actor="admin", now=begun, public=True,
                                notice=RELIEF_NOTICE)
    return [surge, relief]
