"""Interval statistics from hand-built event timelines, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.performance.conftest import T0, add_declaration, green, hours

from clearway.performance.filters import Filters
from clearway.performance.releases import release_stats

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _stats(db, by=(), filters=Filters(), intervals=None):
    with db.begin():
        rows = release_stats(db=db, filters=filters, by=by, now=NOW, intervals=intervals)
    return {(r.interval, tuple(r.group.values())): r for r in rows}


def test_green_release_times_give_exact_mean_median_and_percentiles(db, refreshed):
    with db.begin():
        for minutes in (1, 2, 3, 4, 10):
            add_declaration(db, green(T0, timedelta(minutes=minutes)))
    refreshed()
    s = _stats(db, intervals=("lodgement_to_release", "lodgement_to_acceptance"))
    release = s[("lodgement_to_release", ())]
    assert release.count == 5
    assert release.mean == pytest.approx(240.0)
    assert release.median == pytest.approx(180.0)
    assert release.p90 == pytest.approx(240 + 0.6 * 360)  # percentile_cont: 4 × 0.9 = 3.6 → between ranks 3 and 4
    assert release.p95 == pytest.approx(240 + 0.8 * 360)
    assert s[("lodgement_to_acceptance", ())].median == pytest.approx(10.0)


def test_documentary_check_intervals_follow_controls_events(db, refreshed):
    events = [("lodged", T0), ("accepted", T0), ("assessed", T0), ("channelled", T0 + hours(0.5)),
              ("control_started", T0 + hours(0.5)), ("documents_requested", T0 + hours(1)),
              ("documents_received", T0 + hours(5)), ("check_done", T0 + hours(6)), ("released", T0 + hours(6.5)),
              ("cleared", T0 + hours(30))]
    with db.begin():
        add_declaration(db, events, channel="yellow")
    refreshed()
    s = _stats(db)
    assert s[("documents_requested_to_received", ())].mean == 4 * 3600
    assert s[("documents_received_to_check_done", ())].mean == 3600
    assert s[("risk_decision_to_documents_requested", ())].mean == 1800
    assert s[("lodgement_to_release", ())].mean == 6.5 * 3600
    assert s[("release_to_clearance", ())].mean == 23.5 * 3600
    assert ("inspection_started_to_ended", ()) not in s  # no inspection: no figure, not a zero


def test_pre_arrival_lodgement_is_a_negative_arrival_interval(db, refreshed):
    with db.begin():
        add_declaration(db, green(T0), arrival=T0 + hours(3))  # lodged 3 h before arrival
        add_declaration(db, green(T0), arrival=T0 - hours(1))
        add_declaration(db, green(T0))  # arrival unknown: not counted
    refreshed()
    s = _stats(db, intervals=("arrival_to_lodgement", "arrival_to_release"))
    arrival = s[("arrival_to_lodgement", ())]
    assert arrival.count == 2 and arrival.mean == -3600 and arrival.median == -3600
    assert s[("arrival_to_release", ())].count == 1  # the pre-arrival one was released before arrival


def test_groups_by_office_channel_mode_aeo_and_period(db, refreshed):
    with db.begin():
        add_declaration(db, green(T0, hours(1)), office="KR0101", mode="4")
        add_declaration(db, green(T0, hours(3)), office="KR0201", mode="1", declarant="KR1000000002")
        add_declaration(db, green(T0 + timedelta(days=40), hours(5)), office="KR0201", mode="1")
    refreshed()
    s = _stats(db, by=("office", "mode", "period"), intervals=("lodgement_to_release",))
    assert s[("lodgement_to_release", ("KR0101", "4", "2026-03"))].mean == 3600
    assert s[("lodgement_to_release", ("KR0201", "1", "2026-04"))].mean == 5 * 3600
    s = _stats(db, by=("aeo",), intervals=("lodgement_to_release",))
    assert set(s) == {("lodgement_to_release", (False,))}  # no organisations stored here: nobody is AEO


def test_filters_narrow_by_dates_and_dimensions(db, refreshed):
    with db.begin():
        add_declaration(db, green(T0, hours(1)), office="KR0101")
        add_declaration(db, green(T0 + timedelta(days=3), hours(2)), office="KR0201")
    refreshed()
    only = _stats(db, filters=Filters(date_from=(T0 + timedelta(days=1)).date()), intervals=("lodgement_to_release",))
    assert only[("lodgement_to_release", ())].mean == 2 * 3600
    only = _stats(db, filters=Filters(office="KR0101"), intervals=("lodgement_to_release",))
    assert only[("lodgement_to_release", ())].mean == 3600


def test_time_outside_opening_hours_is_counted_separately(db, refreshed):
    # Seoul inland office, open 09:00-18:00 (UTC+9): lodged 17:00, released 10:00 next day.
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with db.begin():
        add_declaration(db, green(start, hours(17)), office="KR0301")
        add_declaration(db, green(start, hours(17)), office="KR0101")  # open round the clock
    refreshed()
    s = _stats(db, by=("office",), intervals=("lodgement_to_release",))
    assert s[("lodgement_to_release", ("KR0301",))].outside_hours_mean == 15 * 3600
    assert s[("lodgement_to_release", ("KR0101",))].outside_hours_mean == 0


def test_a_new_event_updates_the_timeline(db, refreshed):
    from clearway.declarations.models import DeclarationEvent

    with db.begin():
        declaration_id = add_declaration(db, green(T0)[:4])  # not released yet
    refreshed()
    assert ("lodgement_to_release", ()) not in _stats(db)
    with db.begin():
        db.add(DeclarationEvent(declaration_id=declaration_id, kind="released", from_status="x", to_status="released",
                                at=T0 + hours(2), actor="t", actor_org="t", version=1))
    refreshed()
    assert _stats(db)[("lodgement_to_release", ())].mean == 7200


def test_an_event_committed_below_the_watermark_is_still_folded_in(db, refreshed):
    from clearway.declarations.models import DeclarationEvent
    from clearway.performance.models import PerformanceState, PerformanceTimeline
    from clearway.performance.timelines import timelines_rebuild

    with db.begin():
        declaration_id = add_declaration(db, green(T0)[:4])
    refreshed()
    with db.begin():
        db.add(DeclarationEvent(declaration_id=declaration_id, kind="released", from_status="x", to_status="released",
                                at=T0 + hours(1), actor="t", actor_org="t", version=1))
        db.flush()
        state = db.get(PerformanceState, 1)
        state.last_event_id += 3  # as if later ids had committed first and been read already
    refreshed()
    assert _stats(db)[("lodgement_to_release", ())].mean == 3600
    with db.begin():
        before = [(t.declaration_id, t.released) for t in db.query(PerformanceTimeline)]
        assert timelines_rebuild(db=db, now=NOW) == 1
        assert [(t.declaration_id, t.released) for t in db.query(PerformanceTimeline)] == before


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1_750_000_000, max_value=1_760_000_000), st.integers(min_value=0, max_value=4 * 86400),
       st.integers(min_value=0, max_value=23), st.integers(min_value=1, max_value=24))
def test_outside_hours_formula_matches_counting_minute_by_minute(start, length, opens_h, open_h):
    from clearway.performance.hours import DAY, Hours, outside_seconds

    start -= start % 60
    length -= length % 60
    hours_ = Hours("X", 9 * 3600, opens_h * 3600, min(open_h * 3600, DAY - opens_h * 3600))
    closed = sum(60 for t in range(start, start + length, 60)
                 if not hours_.opens <= (t + hours_.offset) % DAY < hours_.opens + hours_.length)
    assert outside_seconds(start, start + length, hours_) == closed
