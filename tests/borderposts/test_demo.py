"""The demo's crossings show real figures: a misaligned pair, its cost, and the proposal that removes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clearway.borderposts import selectors
from clearway.borderposts.demo import borderposts_demo_seed
from clearway.db import utcnow


def test_demo_shows_the_misaligned_pair_its_cost_and_the_proposal(db):
    now = utcnow()
    with db.begin():
        stored = borderposts_demo_seed(db=db, now=now)
    assert stored > 20_000
    today = now.date()
    with db.begin():
        khorgos = selectors.pair_get(db, "KZ-CN-KHG")
        week = selectors.pair_windows(db, khorgos, today, today + timedelta(days=7))
        split = selectors.pair_split(db, khorgos, today - timedelta(days=28), today + timedelta(days=1))
        study = selectors.simulation_latest(db, khorgos)
        alerts = selectors.alerts_of(db)
        florido = selectors.pair_windows(db, selectors.pair_get(db, "GT-HN-FLO"), today, today + timedelta(days=7))
    assert 0 < week.joint_s < week.ours_only_s  # misaligned: we are open more alone than together
    assert florido.alignment == 1.0
    assert split.total_h("waiting_partner_closed_s") > 100 and split.closure_share > 0.5
    assert study is not None
    scenarios = {s["name"]: s for s in study.result["scenarios"]}
    assert set(scenarios) == {"current", "aligned", "staggered", "always"}
    # Holidays in the coming month weigh on every scenario alike, so the gain the demo shows varies with the
    # date (from about half the waiting to a tenth of it in China's October week); it is always a gain.
    assert scenarios["aligned"]["mean_h"] < 0.95 * scenarios["current"]["mean_h"]
    assert study.result["proposal"]["partner_rule"].startswith("Mo ")
    assert study.result["backtest"]["mae_share"] > 0 and study.result["backtest"]["days"] == 28
    assert [a.cause for a in alerts] == ["exception"]


def test_in_an_ordinary_month_aligning_the_hours_halves_the_waiting(db):
    """Away from holidays the proposal removes most of the waiting that the misalignment causes."""
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    with db.begin():
        borderposts_demo_seed(db=db, now=now)
    with db.begin():
        study = selectors.simulation_latest(db, selectors.pair_get(db, "KZ-CN-KHG"))
    assert study is not None
    scenarios = {s["name"]: s for s in study.result["scenarios"]}
    assert scenarios["aligned"]["mean_h"] < 0.6 * scenarios["current"]["mean_h"]


def test_a_holiday_in_the_coming_week_still_gives_a_proposal(db):
    """The staff budget comes from the regular weekly hours, not from a week that a holiday shortened."""
    now = datetime(2026, 3, 24, 12, tzinfo=UTC)  # the proposal was missing for this week before
    with db.begin():
        borderposts_demo_seed(db=db, now=now)
    with db.begin():
        study = selectors.simulation_latest(db, selectors.pair_get(db, "KZ-CN-KHG"))
    assert study is not None and study.result["proposal"] is not None
    assert "aligned" in {s["name"] for s in study.result["scenarios"]}
