"""Missing and out-of-order events are counted and listed, never silently dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.performance.conftest import T0, add_declaration, green, hours

from clearway.performance.anomalies import anomaly_counts, anomaly_list
from clearway.performance.filters import Filters
from clearway.performance.milestones import INTERVALS, MILESTONE_KINDS, REQUIRES, timeline_problems
from clearway.performance.releases import release_stats


def _counts(db):
    with db.begin():
        total, counts = anomaly_counts(db=db, filters=Filters())
    return total, {c.check: (c.missing, c.out_of_order) for c in counts}


def test_inspection_ended_without_a_start_is_reported_missing(db, refreshed):
    events = [*green(T0)[:4], ("inspection_requested", T0 + hours(1)), ("inspection_ended", T0 + hours(3)),
              ("released", T0 + hours(4))]
    with db.begin():
        add_declaration(db, events, channel="red")
        add_declaration(db, green(T0))
    refreshed()
    total, counts = _counts(db)
    assert total == 2
    assert counts["inspection_started_before_inspection_ended"] == (1, 0)
    assert sum(m + d for m, d in counts.values()) == 1
    with db.begin():
        (listed,) = anomaly_list(db=db, filters=Filters())
    assert listed.missing == ["inspection_started_before_inspection_ended"] and listed.out_of_order == []


def test_release_before_lodgement_is_out_of_order_and_left_out_of_the_interval(db, refreshed):
    events = [("lodged", T0), ("accepted", T0), ("channelled", T0), ("released", T0 - hours(1))]
    with db.begin():
        add_declaration(db, events)
        add_declaration(db, green(T0, hours(2)))
    refreshed()
    _, counts = _counts(db)
    assert counts["risk_before_released"] == (0, 1)
    with db.begin():
        (release,) = release_stats(db=db, filters=Filters(), now=datetime.now(UTC), intervals=("lodgement_to_release",))
    assert release.count == 1 and release.mean == 7200 and release.out_of_order == 1


def test_release_without_any_earlier_event_is_missing_everything_it_needs(db, refreshed):
    with db.begin():
        add_declaration(db, [("released", T0)])
    refreshed()
    _, counts = _counts(db)
    assert counts["risk_before_released"] == (1, 0)
    with db.begin():
        (listed,) = anomaly_list(db=db, filters=Filters())
    assert listed.missing == ["risk_before_released"]


def test_the_mapping_is_consistent():
    milestones = {"arrival", *MILESTONE_KINDS}
    assert all(i.start in milestones and i.end in milestones for i in INTERVALS)
    assert all(m in milestones and set(ps) <= milestones for m, ps in REQUIRES.items())
    assert timeline_problems({"released": 5, "risk": 9}) == (["accepted_before_risk"], ["risk_before_released"])
