"""The one release decision: every path that releases asks it, it lists every hold, and it fails closed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clearway.clearance.jobs import release_pass
from clearway.clearance.release import ReleaseDecision
from clearway.controls.models import ControlTask, Hold
from clearway.db import get_sessionmaker, utcnow
from clearway.declarations.lifecycle import RELEASABLE, SYSTEM_ACTOR
from clearway.declarations.models import Declaration
from clearway.errors import ReleaseHeld
from clearway.holds import Hold as HoldReason
from clearway.tariff.models import AssessmentRecord, Payment
from tests.factories import auth, job_context, lodge_direct, wiring
from tests.tariff_flow.conftest import declaration_with, duties, lodge


def test_an_officer_cannot_release_green_goods_whose_duty_is_unpaid(client, tariff):
    body = lodge(client, declaration_with({}))  # green, 1,714,375 KRW due
    assert (body["channel"], body["status"]) == ("green", "channelled")
    r = client.post(f"/api/v1/declarations/{body['mrn']}/decisions", json={"to": "released", "reason": "urgent"},
                    headers=auth(client, "officer"))
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["type"].endswith("release-held")
    unpaid = [e for e in problem["errors"] if e["code"] == "hold.duty.unpaid"]
    assert unpaid and unpaid[0]["party"] == "trader" and "1714375" in unpaid[0]["message"]
    assert client.get(f"/api/v1/declarations/{body['mrn']}", headers=auth(client, "officer")).json()["status"] == \
        "channelled"
    assert duties(client, body["mrn"])["due"] == "1714375"


def test_the_holds_endpoint_lists_each_reason_in_the_readers_language_and_who_must_act(client, tariff):
    body = lodge(client, declaration_with({}))
    url = f"/api/v1/declarations/{body['mrn']}/holds"
    english = client.get(url, headers=auth(client, "trader-a"))
    assert english.status_code == 200, english.text
    assert english.json()["releasable"] is False
    [hold] = english.json()["holds"]
    assert (hold["code"], hold["party"]) == ("duty.unpaid", "trader") and "still due" in hold["reason"]
    spanish = client.get(url, headers={**auth(client, "trader-a"), "Accept-Language": "es"}).json()["holds"][0]
    french = client.get(url, headers={**auth(client, "trader-a"), "Accept-Language": "fr"}).json()["holds"][0]
    assert "por pagar" in spanish["reason"] and "restent dus" in french["reason"]
    # another company may not even learn that the declaration exists
    assert client.get(url, headers=auth(client, "trader-b")).status_code == 404


def test_the_declaration_page_shows_the_holds(client, tariff):
    body = lodge(client, declaration_with({}))
    page = client.get(f"/declarations/{body['mrn']}", headers=auth(client, "trader-a"))
    assert page.status_code == 200
    assert 'data-hold="duty.unpaid"' in page.text and "Why the goods are held" in page.text


def test_a_provider_that_fails_holds_the_goods(world):
    def broken(db: Any, declaration: Declaration) -> list[HoldReason]:
        raise RuntimeError("agency system unreachable")

    decision = ReleaseDecision(providers=(broken,))
    [mrn] = lodge_direct("trader-a")
    with get_sessionmaker()() as db, db.begin():
        declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
        declaration.status = "channelled"
        holds = decision.holds(db, declaration)
        assert [h.code for h in holds] == ["release.provider_failed"]
        assert decision.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason=None, now=utcnow()) is False
        assert declaration.status == "channelled"


# A generated state: the declaration's status and channel, its controls, holds and duties.
STATES = st.fixed_dictionaries({
    "status": st.sampled_from(["accepted", "assessed", "channelled", "under_control", "detained", "cancelled"]),
    "channel": st.sampled_from(["green", "yellow", "red"]),
    "tasks": st.lists(st.booleans(), max_size=2),  # each task: closed or not
    "holds": st.lists(st.tuples(st.sampled_from(["detention", "hold"]), st.booleans()), max_size=2),
    "assessed": st.one_of(st.none(), st.tuples(st.integers(0, 3), st.integers(0, 3))),  # (total, paid) in 1,000s
    "path": st.sampled_from(["decide", "attempt", "release_or_holds", "worker"]),
})


def _expected_holds(state: dict[str, Any]) -> bool:
    """The oracle, written from the rules and not from the code: may these goods go?"""
    if state["status"] not in RELEASABLE:
        return True
    open_task = any(not closed for closed in state["tasks"])
    missing = not state["tasks"] and state["channel"] != "green"
    standing = any(not lifted for _, lifted in state["holds"])
    unpaid = state["assessed"] is not None and state["assessed"][1] < state["assessed"][0]
    return open_task or missing or standing or unpaid


def _build(db: Any, mrn: str, state: dict[str, Any]) -> Declaration:
    now = utcnow()
    declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
    declaration.status, declaration.channel = state["status"], state["channel"]
    for closed in state["tasks"]:
        db.add(ControlTask(declaration_id=declaration.id, office=declaration.office, kind="documentary",
                           status="done" if closed else "queued", closed=closed, priority=1, weight=Decimal(1),
                           section="S1", created_at=now))
    for kind, lifted in state["holds"]:
        db.add(Hold(declaration_id=declaration.id, kind=kind, reason="generated", placed_by="officer", placed_at=now,
                    lifted_at=now + timedelta(seconds=1) if lifted else None, lifted_by="officer" if lifted else None))
    if state["assessed"] is not None:
        total, paid = (Decimal(1000 * n) for n in state["assessed"])
        record = AssessmentRecord(declaration_id=declaration.id, declaration_version=declaration.version,
                                  office=declaration.office, assessed_on=now.date(), currency="KRW",
                                  customs_value=Decimal(100000), total=total, created_at=now)
        db.add(record)
        db.flush()
        if paid:
            db.add(Payment(assessment_id=record.id, declaration_id=declaration.id, method="gateway",
                           payer_id=declaration.declarant_id, amount=paid, currency="KRW", status="confirmed",
                           created_at=now, confirmed_at=now))
    db.flush()
    return declaration


FREE = {"status": "channelled", "channel": "green", "tasks": [], "holds": [], "assessed": None}
ONE_REASON = [{}, {"assessed": (2, 1)}, {"assessed": (2, 2)}, {"tasks": [False]}, {"tasks": [True]}, {"channel": "red"},
              {"channel": "yellow", "tasks": [True, False]}, {"holds": [("detention", False)]},
              {"holds": [("hold", True)]}, {"status": "detained"}, {"status": "accepted"}]
PATHS = ["decide", "attempt", "release_or_holds", "worker"]


@pytest.mark.parametrize("path", PATHS)
def test_each_reason_alone_holds_the_goods_on_every_path(world, path):
    for change in ONE_REASON:
        _released_only_when_free({**FREE, **change, "path": path})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=STATES)
def test_no_path_releases_goods_while_any_hold_remains(world, state):
    _released_only_when_free(state)


def _released_only_when_free(state: dict[str, Any]) -> None:
    [mrn] = lodge_direct("trader-a")
    decision, held = wiring().release, _expected_holds(state)
    with get_sessionmaker()() as db, db.begin():
        declaration = _build(db, mrn, state)
        reported = decision.holds(db, declaration)
        assert bool(reported) == held, (state, reported)
        if state["path"] == "decide":
            try:
                decision.decide(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason="generated", now=utcnow())
            except ReleaseHeld as refused:
                assert held and {p.code for p in refused.problems} == {f"hold.{h.code}" for h in reported}
            except Exception:
                assert held  # a status that cannot be released is refused with its own problem
        elif state["path"] == "attempt":
            decision.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason="generated", now=utcnow())
        elif state["path"] == "release_or_holds":
            left = decision.release_or_holds(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason="generated",
                                             now=utcnow())
            assert bool(left) == held
    if state["path"] == "worker":
        release_pass(job_context())
    with get_sessionmaker()() as db, db.begin():
        status = db.scalar(select(Declaration.status).where(Declaration.mrn == mrn))
    if held:
        assert status != "released", state
    elif state["path"] != "worker" or state["status"] in ("channelled", "under_control"):
        assert status == "released", state


def test_a_provider_whose_database_fails_fails_the_whole_decision(world):
    """A dead connection or a failed query loses the transaction: no hold is invented on it, nothing is released."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    def lost(db: Any, declaration: Declaration) -> list[HoldReason]:
        db.execute(text("SELECT * FROM clearway_no_such_table"))
        return []

    decision = ReleaseDecision(providers=(lost,))
    [mrn] = lodge_direct("trader-a")
    with get_sessionmaker()() as db:
        with db.begin():
            db.scalar(select(Declaration).where(Declaration.mrn == mrn)).status = "channelled"
        with pytest.raises(SQLAlchemyError), db.begin():
            declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
            decision.release_or_holds(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason=None, now=utcnow())
        assert db.scalar(select(Declaration.status).where(Declaration.mrn == mrn)) == "channelled"
