"""The enforcement demo: the FIU's organisation and user (`fiu`, password 'demo'), and cases opened from the
leads the demo's own declarations give: one sent to the FIU, one still worked by the analyst."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.demo import DEMO_PASSWORD
from clearway.auth.models import Organisation, User
from clearway.auth.schemas import Principal
from clearway.auth.service import organisation_create, user_create
from clearway.enforcement import evidence, service
from clearway.enforcement.access import FIU_ORGANISATIONS
from clearway.enforcement.schemas import CaseCreate, LeadCreate

FIU_CODE = sorted(FIU_ORGANISATIONS)[0]
ANALYST = Principal(user_id=0, username="analyst", role="analyst", organisation_id=0, organisation_code="KRCUSTOMS")


def fiu_account(*, db: Session, now: datetime) -> User:
    """The financial intelligence unit's organisation and its demo user `fiu` (an agency user)."""
    org = db.scalar(select(Organisation).where(Organisation.code == FIU_CODE))
    if org is None:
        org = organisation_create(db=db, code=FIU_CODE, name="Korea Financial Intelligence Unit (demo)",
                                  kind="agency", country="KR", now=now)
    user = db.scalar(select(User).where(User.username == "fiu"))
    return user or user_create(db=db, username="fiu", password=DEMO_PASSWORD, role="agency", organisation=org,
                               demo=True, now=now)


def enforcement_demo_seed(*, db: Session, now: datetime) -> int:
    """Seed the FIU account and two cases from the strongest current leads; returns the cases opened."""
    fiu_account(db=db, now=now)
    found = evidence.leads(evidence.lines_of(db), now=now, limit=10)
    if not found:
        return 0

    def lead(row: dict[str, object]) -> LeadCreate:
        return LeadCreate.model_validate({k: row[k] for k in ("kind", "score", "explanation", "parties", "evidence")})

    referred = service.case_open(db=db, actor=ANALYST, now=now, body=CaseCreate(
        title="Under-invoiced imports: strongest price and indicator leads", marking="TLP:AMBER",
        notes="Demo: the three best-scored leads of the last 30 days.", leads=[lead(r) for r in found[:3]]))
    service.case_refer(db=db, actor=ANALYST, case=referred, now=now)
    if len(found) > 3:
        service.case_open(db=db, actor=ANALYST, now=now, body=CaseCreate(
            title="Leads under review", notes="Demo: still worked by the analyst.",
            leads=[lead(r) for r in found[3:5]]))
        return 2
    return 1
