"""The demo gives the single window a lived-in state: permits with balances and referrals in several states."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tests.factories import auth, wiring


def test_the_demo_agency_user_has_referrals_in_several_states_and_permits_with_balances(client):
    from clearway.agencies.demo import agencies_demo_seed
    from clearway.agencies.models import Referral
    from clearway.clearance.lodge import declaration_lodge
    from clearway.config import get_settings
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import _demo_deferment
    from clearway.tariff.demo import demo_seed as tariff_demo_seed

    flows = wiring()
    with get_sessionmaker()() as db, db.begin():
        now = utcnow()
        tariff_demo_seed(db=db, now=now)
        _demo_deferment(db=db, holders=["KR1000000001"], now=now)
        assert agencies_demo_seed(db=db, now=now, release=flows.release, lodge=lambda a, raw, at: declaration_lodge(
            db=db, wiring=flows, actor=a, raw=raw, now=at)) == 7
    assert get_settings().environment == "test"
    with get_sessionmaker()() as db:
        states = Counter((r.agency, r.decision or ("overdue" if r.overdue else "pending"), r.fallback)
                         for r in db.scalars(select(Referral)))
    assert states[("MFDS", "pending", None)] >= 1
    assert states[("MFDS", "release", None)] == 1
    assert states[("MFDS", "sample", None)] == 1 and states[("MFDS", "joint_inspection", None)] == 1
    assert states[("MFDS", "refuse", None)] == 1
    assert states[("APQA", "overdue", None)] == 1
    assert states[("RRA", "release", "release_flagged")] == 1
    mine = client.get("/api/v1/agencies/permits?status=approved", headers=auth(client, "trader-a")).json()["items"]
    food = next(p for p in mine if p["lpco"] == "MFDS-FOOD")
    assert (food["value"], food["value_left"]) == ("25000", "2000")
    inbox = client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"]
    assert {r["decision"] for r in inbox} == {None, "sample", "joint_inspection"}
    times = client.get("/api/v1/agencies/performance", headers=auth(client, "officer")).json()["items"]
    permits = next(t for t in times if t["agency"] == "MFDS" and t["kind"] == "application_to_permit")
    assert permits["count"] >= 30 and 0 < permits["within_10_min_share"] < 1
