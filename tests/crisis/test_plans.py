"""Continuity plans as data, and their drill against the database: goods move under the plan's measures,
and the mode ends by itself at its end time."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from clearway.clearance.drill import trader_lodger
from clearway.crisis.drill import plan_drill_run
from clearway.crisis.jobs import expire_pass
from clearway.crisis.models import EmergencyProfile
from clearway.crisis.plans import PlanInvalid, plan_activate, plan_find, plan_read, plans_load
from clearway.db import get_sessionmaker, utcnow
from clearway.errors import NotFound
from tests.factories import wiring


def test_every_shipped_plan_follows_the_schema_and_speaks_three_languages():
    plans = plans_load()
    assert {p.office for p in plans.values()} >= {"KR0101", "KR0201"}
    for plan in plans.values():
        for event in plan.events:
            assert event.max_hours >= 1 and event.measures
            assert all(getattr(event.notice, lang) for lang in ("en", "es", "fr"))
            assert event.notice.es != event.notice.en and event.notice.fr != event.notice.en


def test_a_plan_with_an_unknown_office_or_a_missing_language_is_refused_with_pointers(tmp_path):
    raw = json.loads(plan_find("KR0101").model_dump_json())
    raw["office"] = "ZZ9999"
    (tmp_path / "bad.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(PlanInvalid) as office:
        plan_read(tmp_path / "bad.json")
    assert [(p.code, p.pointer) for p in office.value.problems] == [("crisis.plan_office_unknown", "/office")]
    raw["office"] = "KR0101"
    del raw["events"][0]["notice"]["fr"]
    raw["events"][0]["max_hours"] = 0
    (tmp_path / "bad.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(PlanInvalid) as fields:
        plan_read(tmp_path / "bad.json")
    assert {p.pointer for p in fields.value.problems} == {"/events/0/notice/fr", "/events/0/max_hours"}


def test_an_unknown_plan_or_event_is_not_found():
    with pytest.raises(NotFound):
        plan_find("no-such-plan")
    with pytest.raises(NotFound):
        plan_activate(db=None, plan=plan_find("KR0201"), event="pandemic", actor="x", now=utcnow())  # type: ignore[arg-type]


def test_activating_a_plan_never_outlasts_its_maximum_duration(world, db):
    plan, now = plan_find("kr0101-continuity"), utcnow()
    with db.begin():
        profiles = plan_activate(db=db, plan=plan, event="disaster", actor="admin", now=now,
                                 ends_at=now + timedelta(days=30))
    assert [(p.kind, p.effect, p.scope["offices"]) for p in profiles] == [("relief", "lighter", ["KR0101"])]
    assert profiles[0].expires_at == now + timedelta(hours=72)  # the plan says 72 hours at most
    assert profiles[0].public and profiles[0].notice["es"].startswith("Socorro")


def test_the_plan_drill_moves_goods_under_the_plan_and_the_mode_ends_by_itself(world, db):
    sessions, wired = get_sessionmaker(), wiring()
    lodge, template = trader_lodger(sessions=sessions, wiring=wired, username="trader-a")
    seen: list[tuple[str, int, int]] = []
    report = plan_drill_run(sessions=sessions, lodge=lodge, plan=plan_find("KR0101"), event="disaster", count=30,
                            window_s=2.0, template=template, now=utcnow,
                            expire=lambda: expire_pass(SimpleNamespace(sessions=sessions, wiring=wired)),
                            progress=lambda phase, a, b: seen.append((phase, a, b)))
    assert (report.lodged, report.refused) == (30, 0)
    # The drill cycles blankets (HS 63, in the relief scope) and smartphones (out of it).
    assert report.under_plan == 15 and report.post_clearance_audit == 15
    assert report.by_channel == {"blue": 15, "green": 15}
    # No tariff here: the blankets are not assessed, so their duty is neither paid nor secured and they wait
    # (the plan's relief measure secures, it does not waive); the smartphones go.
    assert report.released == 15 and report.held == 15 and report.holds == {"crisis.relief_duty_unsettled": 15}
    assert report.release_s is not None and 0 <= report.release_s["median"] <= report.release_s["max"] < 60
    assert report.lifted_by == "system" and report.ended_at is not None and report.ends_at is not None
    assert report.ended_at == report.ends_at
    assert report.after_lodged == 3 and report.after_under_plan == 0 and report.ended_by_itself
    assert seen[-1] == ("plan", 30, 30)
    profile = db.scalar(select(EmergencyProfile).where(EmergencyProfile.id == report.profiles[0]))
    assert profile is not None and profile.params["plan"] == "kr0101-continuity"


def test_a_documentary_plan_holds_goods_for_a_check_while_it_lasts(world, db):
    sessions, wired = get_sessionmaker(), wiring()
    lodge, template = trader_lodger(sessions=sessions, wiring=wired, username="trader-a")
    report = plan_drill_run(sessions=sessions, lodge=lodge, plan=plan_find("KR0201"), event="data_centre_down",
                            count=10, window_s=1.0, template=template, now=utcnow,
                            expire=lambda: expire_pass(SimpleNamespace(sessions=sessions, wiring=wired)))
    assert report.lodged == 10 and report.by_channel == {"yellow": 10}
    assert report.held == 10 and report.released == 0 and report.holds == {"control_started": 10}
    assert report.release_s is None
    assert report.ended_by_itself


def test_the_drill_command_prints_its_figures(world):
    from clearway.cli import app

    result = CliRunner().invoke(app, ["crisis", "drill", "KR0101", "--event", "disaster", "--declarations", "20",
                                      "--window", "1"])
    assert result.exit_code == 0, result.output
    assert "declarations lodged: 20 (0 refused)" in result.output
    assert "by system" in result.output and "(0 under the plan, must be 0)" in result.output
    unknown = CliRunner().invoke(app, ["crisis", "drill", "no-such-plan"])
    assert unknown.exit_code == 1 and "crisis.plan_unknown" in unknown.output


def test_traders_who_lodge_in_scope_are_told_when_a_mode_starts_and_ends(world, db):
    from clearway.crisis.service import emergency_activate, emergency_lift
    from clearway.notifications.models import OutboxMessage
    from tests.factories import TRADER_A, lodge_direct

    lodge_direct("trader-a")  # trader A lodges at KR0101
    with db.begin():
        here = emergency_activate(db=db, kind="surge", scope={"offices": ["KR0101"]}, params={}, reason="peak",
                                  expires_at=utcnow() + timedelta(hours=2), actor="admin", now=utcnow(),
                                  public=True, notice={"en": "Peak", "es": "Pico", "fr": "Pic"})
        emergency_activate(db=db, kind="surge", scope={"offices": ["KR0201"]}, params={}, reason="elsewhere",
                           expires_at=utcnow() + timedelta(hours=2), actor="admin", now=utcnow())
        emergency_lift(db=db, profile=here, actor="admin", now=utcnow())
    rows = list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("crisis.%"))
                           .order_by(OutboxMessage.id)))
    assert [(r.organisation, r.kind) for r in rows] == [(TRADER_A, "crisis.emergency_started"),
                                                       (TRADER_A, "crisis.emergency_ended")]
    assert rows[0].payload["profile"] == here.id and rows[0].payload["notice"]["es"] == "Pico"
    assert rows[0].payload["offices"] == ["KR0101"] and rows[1].payload["state"] == "ended"


def test_a_plan_that_does_not_notify_traders_tells_them_nothing(world, db):
    from clearway.notifications.models import OutboxMessage
    from tests.factories import lodge_direct

    lodge_direct("trader-a")
    plan = plan_find("KR0101")
    quiet = plan.model_copy(update={"events": [plan.events[0].model_copy(update={"notify": ["officers"]})]})
    with db.begin():
        plan_activate(db=db, plan=quiet, event="disaster", actor="admin", now=utcnow())
        plan_activate(db=db, plan=plan, event="surge", actor="admin", now=utcnow())
    kinds = list(db.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == "crisis.emergency_started")))
    assert [k["kind"] for k in kinds] == ["surge"]
