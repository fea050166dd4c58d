"""The demo's crossings show real figures: a misaligned pair, its cost, and the proposal that removes it."""

from __future__ import annotations

from datetime import timedelta

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
    assert scenarios["aligned"]["mean_h"] < 0.7 * scenarios["current"]["mean_h"]
    assert study.result["proposal"]["partner_rule"].startswith("Mo ")
    assert study.result["backtest"]["mae_share"] > 0 and study.result["backtest"]["days"] == 28
    assert [a.cause for a in alerts] == ["exception"]
