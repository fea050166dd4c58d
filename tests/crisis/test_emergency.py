"""Emergency profiles: they change selection for their scope, every decision is recorded with the profile,
holds still apply, and they end by themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from clearway.crisis.emergency import emergency_apply
from clearway.crisis.jobs import jobs as crisis_jobs
from clearway.crisis.models import EmergencyDecision, EmergencyProfile
from clearway.crisis.service import EmergencyInvalid, emergency_activate
from clearway.db import utcnow
from clearway.declarations.channelling import ChannelDecision
from clearway.declarations.models import Declaration
from clearway.worker import job_run
from tests.factories import job_context, lodge_direct, wiring


def _activate(db, kind: str, effect: str | None = None, params: dict | None = None,  # type: ignore[no-untyped-def]
              **scope: list[str]) -> int:
    with db.begin():
        return emergency_activate(db=db, kind=kind, scope=scope, params=params or {}, reason="test", actor="admin",
                                  expires_at=utcnow() + timedelta(hours=6), now=utcnow(), effect=effect).id


def _declaration(db, mrn: str) -> Declaration:  # type: ignore[no-untyped-def]
    db.rollback()
    found = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
    assert found is not None
    return found


def test_relief_sends_goods_in_scope_to_release_with_post_clearance_audit(world, db):  # type: ignore[no-untyped-def]
    # The profile waives duties: no tariff is loaded here, and unassessed relief goods otherwise wait.
    profile = _activate(db, "relief", params={"duties": "waived"}, offices=["KR0101"], hs_prefixes=["85"])
    mrn = lodge_direct("trader-a")[0]  # smartphones, HS 8517, at KR0101
    declaration = _declaration(db, mrn)
    assert declaration.channel == "blue"
    assert declaration.status == "released"
    row = db.scalar(select(EmergencyDecision).where(EmergencyDecision.declaration_id == declaration.id))
    assert row is not None and row.profile_id == profile
    assert (row.channel_before, row.channel_after, row.post_clearance_audit) == ("green", "blue", True)
    assert any(r.get("profile") == profile for r in declaration.channel_reasons)


def test_a_documentary_profile_sends_everything_in_scope_to_a_documentary_check(world, db):  # type: ignore[no-untyped-def]
    profile = _activate(db, "surge", effect="documentary", offices=["KR0101"])
    declaration = _declaration(db, lodge_direct("trader-a")[0])
    assert (declaration.channel, declaration.status) == ("yellow", "under_control")
    row = db.scalar(select(EmergencyDecision).where(EmergencyDecision.declaration_id == declaration.id))
    assert row is not None and (row.profile_id, row.effect) == (profile, "documentary")


def test_a_profile_for_another_office_changes_nothing(world, db):  # type: ignore[no-untyped-def]
    _activate(db, "surge", offices=["KR0201"])
    declaration = _declaration(db, lodge_direct("trader-a")[0])
    assert (declaration.channel, declaration.status) == ("green", "released")
    assert db.scalar(select(EmergencyDecision)) is None


def test_a_closure_holds_release_until_it_expires_by_itself(world, db):  # type: ignore[no-untyped-def]
    profile = _activate(db, "closure", offices=["KR0101"])
    declaration = _declaration(db, lodge_direct("trader-a")[0])
    assert declaration.status == "channelled"  # green, but the office is closed
    holds = wiring().release.holds(db, declaration)
    assert [h.code for h in holds] == ["crisis.emergency_hold"]
    assert holds[0].params["profile"] == str(profile)
    db.rollback()
    # Time passes: the end time is behind us, and the worker's expiry pass lifts it and releases the goods.
    with db.begin():
        db.execute(update(EmergencyProfile).values(expires_at=utcnow() - timedelta(seconds=1)))
    job = next(j for j in crisis_jobs() if j.name == "crisis.emergency_expiry")
    assert job_run(job, job_context()) == 1
    declaration = _declaration(db, declaration.mrn)
    assert declaration.status == "released"
    lifted = db.get(EmergencyProfile, profile)
    assert lifted is not None and lifted.lifted_by == "system" and lifted.lifted_at is not None
    assert job_run(job, job_context()) == 0  # lifted once


def test_lighter_selection_still_goes_through_every_hold(world, db):  # type: ignore[no-untyped-def]
    # Relief goods are released lighter, but a closure at the same office still holds them.
    _activate(db, "relief", offices=["KR0101"])
    _activate(db, "closure", offices=["KR0101"])
    declaration = _declaration(db, lodge_direct("trader-a")[0])
    assert declaration.channel == "blue" and declaration.status == "channelled"
    assert "crisis.emergency_hold" in {h.code for h in wiring().release.holds(db, declaration)}
    db.rollback()


def test_an_activation_needs_a_future_end_time_and_a_scope(world, db):  # type: ignore[no-untyped-def]
    with pytest.raises(EmergencyInvalid) as err, db.begin():
        emergency_activate(db=db, kind="relief", scope={}, params={}, reason="x", actor="admin",
                           expires_at=utcnow() - timedelta(minutes=1), now=utcnow())
    assert {p.pointer for p in err.value.problems} == {"/ends_at", "/scope"}
    with pytest.raises(EmergencyInvalid) as err, db.begin():
        emergency_activate(db=db, kind="relief", scope={"offices": ["KR0101"]}, params={}, reason="x",
                           actor="admin", expires_at=utcnow() + timedelta(days=400), now=utcnow())
    assert err.value.problems[0].code == "crisis.emergency_expiry_far"


def _engine_decision(channel: str, *sources: str) -> ChannelDecision:
    return ChannelDecision(channel, [{"rule": "risk", "text": "engine"}], engine="risk",
                           record={"channel": channel, "sources": list(sources)})


def _surge(share: float, random_share: float | None = None) -> EmergencyProfile:
    params = {"capacity_share": share} | ({"random_share": random_share} if random_share is not None else {})
    return EmergencyProfile(id=7, kind="surge", effect="capacity", params=params)


def test_a_surge_keeps_its_share_of_the_models_controls_and_releases_the_rest_for_audit():
    kept = 0
    for n in range(2000):
        decided = emergency_apply(_engine_decision("yellow", "model"), [_surge(0.3)], "KR0101", f"KR1:{n}")
        assert decided.channel in ("yellow", "green")
        step = decided.reasons[-1]
        assert step["profile"] == 7 and step["before"] == "yellow" and step["after"] == decided.channel
        assert step["post_clearance_audit"] is (decided.channel == "green")  # released goods are audited after
        kept += decided.channel == "yellow"
    assert 0.26 < kept / 2000 < 0.34
    # The draw is fixed by the lodgement: a retried lodgement gets the same answer.
    again = [emergency_apply(_engine_decision("yellow", "model"), [_surge(0.3)], "KR0101", "KR1:5").channel
             for _ in range(3)]
    assert len(set(again)) == 1


def test_a_surge_never_drops_a_mandatory_control_nor_a_physical_inspection():
    for decision in (_engine_decision("yellow", "rule"), _engine_decision("yellow", "model", "watchlist"),
                     _engine_decision("red", "model"), _engine_decision("green")):
        for n in range(50):
            decided = emergency_apply(decision, [_surge(0.0)], "KR0101", f"KR1:{n}")
            assert decided.channel == decision.channel and decided.reasons == decision.reasons
    # The random compliance draw has its own share.
    drawn = [emergency_apply(_engine_decision("yellow", "random"), [_surge(1.0, random_share=0.0)], "KR0101",
                             f"KR1:{n}").channel for n in range(50)]
    assert set(drawn) == {"green"}


def test_a_surge_profile_is_recorded_on_the_declarations_it_changed(world, db):  # type: ignore[no-untyped-def]
    """Goods the default rules send to a documentary check (tobacco, a licence check) keep it under a surge;
    a green lodgement is untouched and no profile decision is recorded for it."""
    _activate(db, "surge", params={"capacity_share": 0.0}, offices=["KR0101"])
    declaration = _declaration(db, lodge_direct("trader-a")[0])
    assert (declaration.channel, declaration.status) == ("green", "released")
    assert db.scalar(select(EmergencyDecision)) is None
    db.rollback()
    with pytest.raises(EmergencyInvalid) as refused, db.begin():
        emergency_activate(db=db, kind="surge", scope={"offices": ["KR0101"]}, params={"capacity_share": 1.5},
                           reason="test", actor="admin", expires_at=utcnow() + timedelta(hours=6), now=utcnow())
    assert [(p.code, p.pointer) for p in refused.value.problems] == [("crisis.emergency_share", "/capacity_share")]
