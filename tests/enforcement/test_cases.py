"""Cases for the financial intelligence unit: opened with leads, referred once, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.enforcement import selectors, service
from clearway.enforcement.schemas import CaseCreate, LeadCreate
from clearway.errors import Conflict

ANALYST = Principal(user_id=1, username="analyst", role="analyst", organisation_id=1, organisation_code="KCS")


def test_a_case_is_referred_once_with_its_marking_parties_and_indicators(db):
    now = utcnow()
    body = CaseCreate(title="Carousel of phones", leads=[
        LeadCreate(kind="circular", score=9e5, explanation="round-trip", parties=["KR1", "KR2"],
                   evidence={"indicators": ["routing.round_trip"]}),
        LeadCreate(kind="price", score=12.0, explanation="under-invoiced", parties=["KR1"],
                   evidence={"indicators": ["price.under"]})])
    with db.begin():
        case = service.case_open(db=db, actor=ANALYST, body=body, now=now)
        reference = case.reference
    assert reference.startswith(f"ENF-{now.year}-")
    with db.begin():
        case = selectors.case_get(db, reference)
        service.case_refer(db=db, actor=ANALYST, case=case, now=now)
        package = selectors.referral(db, case, now=now)
    assert package.marking == "TLP:AMBER" and package.parties == ["KR1", "KR2"]
    assert package.indicators == ["price.under", "routing.round_trip"]
    assert [lead.kind for lead in package.case.leads] == ["circular", "price"]
    with db.begin():
        case = selectors.case_get(db, reference)
        with pytest.raises(Conflict):
            service.case_refer(db=db, actor=ANALYST, case=case, now=now)
        with pytest.raises(Conflict):
            service.lead_add(db=db, case=case, now=now,
                             lead=LeadCreate(kind="phantom", score=1.0, explanation="late lead"))
    with db.begin():
        actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.target_id == reference)))
    assert actions == {"enforcement.case_opened", "enforcement.case_referred"}
