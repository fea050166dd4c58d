"""Release is the conjunction of customs and every agency decision, for every generated state of decisions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.agencies.helpers import FISH, doc_with, load_shipped, who
from tests.factories import wiring

DECISIONS = [None, "release", "conditions", "refuse", "sample", "joint_inspection"]
GOES = {"release", "conditions"}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decisions=st.lists(st.sampled_from(DECISIONS), min_size=1, max_size=4))
def test_goods_go_exactly_when_every_agency_decision_lets_them(world, decisions):
    from clearway.agencies.models import Referral
    from clearway.agencies.service import referral_decide
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker, utcnow
    from clearway.declarations.lifecycle import SYSTEM_ACTOR
    from clearway.declarations.models import Declaration

    load_shipped()
    trader, agency, flows = who("trader-a"), who("agency"), wiring()
    with get_sessionmaker()() as db, db.begin():
        items = [{**FISH, "description": f"Frozen mackerel lot {i}"} for i in range(len(decisions))]
        mrn = declaration_lodge(db=db, wiring=flows, actor=trader, raw=doc_with(*items), now=utcnow()).mrn
    with get_sessionmaker()() as db, db.begin():
        declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
        referrals = {r.item: r.id for r in db.scalars(select(Referral).where(Referral.mrn == mrn))}
        for item, decision in enumerate(decisions):
            if decision is not None:
                reason = "generated" if decision in ("refuse", "conditions") else None
                referral_decide(db=db, actor=agency, referral_id=referrals[item], decision=decision, reason=reason,
                                conditions=None, now=utcnow())
        holds = flows.release.holds(db, declaration)
        expected = [(i + 1, d) for i, d in enumerate(decisions) if d not in GOES]
        assert sorted(int(h.params["item"]) for h in holds) == [i for i, _ in expected]
        assert all(h.code.startswith("agency.") for h in holds)
        released = flows.release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason="t", now=utcnow())
        assert released == (not expected)
        assert declaration.status == ("released" if not expected else "channelled")
