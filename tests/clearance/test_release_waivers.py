"""Waivers in the one release decision: a measure in force lifts only the holds it names, a waiver that cannot
answer lifts nothing, and a release it allowed says so on the timeline, whoever releases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from clearway.auth.models import User
from clearway.auth.service import principal_of
from clearway.clearance.release import ReleaseDecision
from clearway.db import get_sessionmaker, utcnow
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration, DeclarationEvent
from clearway.errors import ReleaseHeld
from clearway.holds import Hold, Waiver
from tests.factories import lodge_direct


def unpaid(db: Any, declaration: Declaration) -> list[Hold]:
    return [Hold("duty.unpaid", "trader", {"due": "10", "secured": "0", "currency": "KRW", "reference": ""})]


def agency(db: Any, declaration: Declaration) -> list[Hold]:
    return [Hold("agency.pending", "agency:KFDA", {})]


def relief(db: Any, declaration: Declaration) -> list[Waiver]:
    return [Waiver(frozenset({"duty.unpaid"}), "crisis.relief_duty_waived", {"profile": "7"})]


def broken(db: Any, declaration: Declaration) -> list[Waiver]:
    raise RuntimeError("profiles unreadable")


def _channelled(db: Any, mrn: str) -> Declaration:
    declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
    declaration.status = "channelled"
    return declaration


def test_a_waiver_lifts_only_the_holds_it_names(world):
    [mrn] = lodge_direct("trader-a")
    decision = ReleaseDecision(providers=(unpaid, agency), waivers=(relief,))
    with get_sessionmaker()() as db, db.begin():
        declaration = _channelled(db, mrn)
        assert [h.code for h in decision.holds(db, declaration)] == ["agency.pending"]
        assert [h.code for h in ReleaseDecision(providers=(unpaid, agency)).holds(db, declaration)] == [
            "duty.unpaid", "agency.pending"]
        assert decision.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason=None, now=utcnow()) is False
        db.rollback()


def test_a_waiver_that_cannot_answer_lifts_nothing(world):
    [mrn] = lodge_direct("trader-a")
    decision = ReleaseDecision(providers=(unpaid,), waivers=(broken, ))
    with get_sessionmaker()() as db, db.begin():
        declaration = _channelled(db, mrn)
        assert [h.code for h in decision.holds(db, declaration)] == ["duty.unpaid"]
        with pytest.raises(ReleaseHeld):
            decision.decide(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason="try", now=utcnow())
        db.rollback()


def test_an_officers_release_the_waiver_allowed_is_on_the_timeline(world):
    [mrn] = lodge_direct("trader-a")
    decision = ReleaseDecision(providers=(unpaid,), waivers=(relief,))
    with get_sessionmaker()() as db, db.begin():
        officer = principal_of(db.scalar(select(User).where(User.username == "officer")))
        declaration = _channelled(db, mrn)
        decision.decide(db=db, declaration=declaration, actor=officer, reason="relief", now=utcnow())
        events = list(db.scalars(select(DeclarationEvent).where(DeclarationEvent.declaration_id == declaration.id)
                                 .order_by(DeclarationEvent.id)))
        assert [e.kind for e in events][-2:] == ["waived", "released"]
        assert (events[-2].reason_code, events[-2].reason_params) == (
            "crisis.relief_duty_waived", {"profile": "7", "holds": "duty.unpaid"})
        assert events[-1].reason_params["waived_by"] == "crisis.relief_duty_waived:profile=7"
        db.rollback()
