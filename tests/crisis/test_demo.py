"""The demo's emergencies: one ended by itself, one public and in force, and the history lodged under them."""

from __future__ import annotations

from sqlalchemy import select

from clearway.crisis import selectors
from clearway.crisis.demo import crisis_demo_seed
from clearway.crisis.models import EmergencyDecision
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.demo import demo_history
from tests.factories import wiring


def test_demo_has_an_expired_and_an_active_profile_and_records_what_was_lodged_under_them(world, db):  # type: ignore[no-untyped-def]
    now = utcnow()
    with db.begin():
        surge, relief = crisis_demo_seed(db=db, now=now)
        demo_history(db=db, wiring=wiring(), now=now, days=30, per_day=6)
    assert selectors.emergency_state(surge, now) == "expired" and surge.lifted_by == "system"
    assert selectors.emergency_state(relief, now) == "active"
    assert [p.id for p in selectors.notices_public(db=db, now=now)] == [relief.id]
    under = {(d.profile_id, d.declaration_id) for d in db.scalars(select(EmergencyDecision))}
    for declaration in db.scalars(select(Declaration)):
        for profile in (surge, relief):
            end = profile.lifted_at or profile.expires_at
            inside = profile.activated_at <= declaration.lodged_at < end
            chapters = {i["hs_code"][:2] for i in declaration.document["items"]}
            scoped = declaration.office in profile.scope.get("offices", [declaration.office]) and (
                not profile.scope.get("hs_prefixes") or chapters & set(profile.scope["hs_prefixes"]))
            recorded = (profile.id, declaration.id) in under
            if profile.kind == "surge":
                # A surge touches only the controls the model or the random draw chose, inside its window and scope.
                assert not recorded or (inside and scoped), (profile.kind, declaration.mrn)
                if recorded:
                    assert declaration.channel in ("yellow", "green")
            else:
                # Lodged in the window and the scope <=> channelled under the profile, recorded with its id.
                assert recorded == bool(inside and scoped), (profile.kind, declaration.mrn)
