"""Monthly rollups: the large-selection report agrees with the exact one, and stays right as events arrive."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from tests.factories import job_context
from tests.performance.conftest import T0, add_declaration, hours

from clearway.performance.anomalies import anomaly_counts
from clearway.performance.filters import Filters, month_split
from clearway.performance.histograms import ALPHA
from clearway.performance.milestones import INTERVAL_BY_NAME
from clearway.performance.models import PerformanceCell, PerformanceState, PerformanceTimeline
from clearway.performance.releases import exact_stats, release_stats
from clearway.performance.settings import performance_settings
from clearway.performance.timelines import timelines_rebuild

NOW = datetime(2026, 6, 1, tzinfo=UTC)
OFFICES = ("KR0101", "KR0201", "KR0301")


def _events(rng: random.Random, start: datetime, channel: str) -> list[tuple[str, datetime]]:
    """A plausible timeline, sometimes missing its acceptance or released before its risk decision."""
    events = [("lodged", start), ("assessed", start + timedelta(seconds=5)),
              ("channelled", start + timedelta(seconds=rng.randint(6, 90)))]
    if rng.random() > 0.1:
        events.append(("accepted", start + timedelta(seconds=rng.randint(1, 5))))
    release = start + timedelta(seconds=rng.randint(60, 400_000))
    if channel == "red":
        asked = start + timedelta(seconds=rng.randint(100, 3000))
        events += [("inspection_requested", asked), ("inspection_started", asked + hours(rng.uniform(0.2, 30))),
                   ("inspection_ended", asked + hours(rng.uniform(30.5, 40)))]
    if rng.random() < 0.05:
        release = start - timedelta(minutes=1)  # out of order
    if rng.random() < 0.6:
        events.append(("paid", start + timedelta(seconds=rng.randint(10, 90_000))))
    events.append(("released", release))
    if rng.random() < 0.5:
        events.append(("cleared", release + hours(rng.uniform(1, 500))))
    return events


def _world(db, n: int, seed: int = 3) -> list[int]:
    """n declarations over March and April 2026 at three offices (KR0301 with night hours)."""
    rng, ids = random.Random(seed), []
    with db.begin():
        for _ in range(n):
            start = T0 + timedelta(seconds=rng.randint(0, 50 * 86400))
            channel = rng.choice(("green", "green", "yellow", "red"))
            arrival = start + hours(rng.uniform(-20, 20)) if rng.random() < 0.7 else None
            ids.append(add_declaration(db, _events(rng, start, channel), office=rng.choice(OFFICES), channel=channel,
                                       mode=rng.choice("134"), arrival=arrival,
                                       declarant=f"KR10000000{rng.randint(10, 12)}"))
    return ids


@pytest.fixture
def rollups_always(monkeypatch):  # type: ignore[no-untyped-def]
    """Every selection is 'large': reports read the rollups."""
    monkeypatch.setattr(performance_settings(), "exact_limit", 0)


def _close(approx: float | None, exact: float | None, interval: str) -> bool:
    if approx is None or exact is None:
        return approx is exact
    # Interpolating between two ranks keeps each within ALPHA; a signed interval may straddle zero.
    scale = 40 * 3600 if INTERVAL_BY_NAME[interval].signed else abs(exact)
    return abs(approx - exact) <= ALPHA * scale + 1e-6


@pytest.mark.parametrize("by,filters", [
    ((), Filters()),
    (("office", "channel", "mode", "aeo", "period"), Filters()),
    (("office",), Filters(date_from=date(2026, 3, 9), date_to=date(2026, 4, 12))),
    (("channel",), Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), office="KR0301")),
    (("mode",), Filters(date_from=date(2026, 3, 20), date_to=date(2026, 3, 25))),
])
def test_rollup_report_matches_the_exact_report(db, refreshed, rollups_always, by, filters):
    _world(db, 150)
    refreshed()
    with db.begin():
        exact = {(s.interval, tuple(s.group.items())): s for s in
                 exact_stats(db=db, filters=filters, by=by, now=NOW, intervals=tuple(INTERVAL_BY_NAME.values()))}
        rolled = {(s.interval, tuple(s.group.items())): s for s in
                  release_stats(db=db, filters=filters, by=by, now=NOW)}
    assert exact and rolled.keys() == exact.keys()
    for key, e in exact.items():
        r = rolled[key]
        assert (r.count, r.out_of_order) == (e.count, e.out_of_order), key
        assert r.mean == pytest.approx(e.mean) and r.outside_hours_mean == pytest.approx(e.outside_hours_mean)
        for name in ("median", "p90", "p95"):
            assert _close(getattr(r, name), getattr(e, name), key[0]), (key, name, getattr(r, name), getattr(e, name))


def test_anomaly_counts_from_rollups_match_the_timelines(db, refreshed, monkeypatch):
    _world(db, 120, seed=5)
    refreshed()
    filters = Filters(date_from=date(2026, 3, 15), date_to=date(2026, 4, 30))
    with db.begin():
        exact = anomaly_counts(db=db, filters=filters)
        monkeypatch.setattr(performance_settings(), "exact_limit", 0)
        assert anomaly_counts(db=db, filters=filters) == exact
    assert sum(c.out_of_order for c in exact[1]) > 0 and sum(c.missing for c in exact[1]) > 0


def _snapshot(db) -> list[tuple]:
    cells = db.execute(select(PerformanceCell).order_by(PerformanceCell.cell)).scalars()
    return [(c.cell, c.period, c.office, c.channel, c.mode, c.aeo, c.timelines, bytes(c.checks), bytes(c.stats),
             bytes(c.hist)) for c in cells]


def test_rollups_kept_by_refreshes_equal_a_rebuild(db, refreshed):
    from clearway.declarations.models import DeclarationEvent

    ids = _world(db, 60, seed=8)
    refreshed()
    with db.begin():  # later events: clearances, a late acceptance, and brand-new declarations
        for declaration_id in ids[:20]:
            db.add(DeclarationEvent(declaration_id=declaration_id, kind="cleared", from_status="x", to_status="x",
                                    at=T0 + hours(2000), actor="t", actor_org="t", version=1))
    _world(db, 25, seed=9)
    refreshed()
    with db.begin():
        kept = _snapshot(db)
        assert sum(c[6] for c in kept) == 85
        timelines_rebuild(db=db, now=datetime.now(UTC))
        assert _snapshot(db) == kept


def test_new_opening_hours_rebuild_the_rollups(db, refreshed):
    _world(db, 10)
    refreshed()
    with db.begin():
        before = _snapshot(db)
        db.get(PerformanceState, 1).rollup_digest = "hours of another release"
    refreshed()
    with db.begin():
        assert db.get(PerformanceState, 1).rollup_digest != "hours of another release"
        assert _snapshot(db) == before


def _days(lo: date, hi: date) -> set[date]:
    return {lo + timedelta(days=i) for i in range((hi - lo).days + 1)}


@given(st.dates(date(2024, 1, 1), date(2027, 12, 31)), st.integers(0, 500), st.booleans(), st.booleans())
def test_whole_months_and_edges_cover_the_range_once(lo, length, open_low, open_high):
    hi = lo + timedelta(days=length)
    filters = Filters(date_from=None if open_low else lo, date_to=None if open_high else hi)
    whole, edges = month_split(filters)
    bounds = (date(2023, 1, 1), date(2030, 1, 31))  # stand-ins for "open-ended", outside every drawn range
    wanted = _days(filters.date_from or bounds[0], filters.date_to or bounds[1])
    covered: list[date] = []
    if whole is not None:
        first = date.fromisoformat(f"{whole[0]}-01") if whole[0] else bounds[0]
        last = date.fromisoformat(f"{whole[1]}-01") if whole[1] else bounds[1]
        last = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        covered += sorted(_days(first, min(last, bounds[1])))
        assert first.day == 1
    for edge in edges:
        covered += sorted(_days(edge.date_from or bounds[0], edge.date_to or bounds[1]))
        assert len({(d.year, d.month) for d in _days(edge.date_from or bounds[0], edge.date_to or bounds[1])}) <= 1
    assert len(covered) == len(set(covered)) and set(covered) == wanted


def test_the_cli_rebuilds_and_refreshes_timelines_and_rollups(client, db):
    from typer.testing import CliRunner

    from clearway.cli import app

    _world(db, 12, seed=11)
    result = CliRunner().invoke(app, ["performance", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt 12 timelines" in result.output
    with db.begin():
        assert sum(c[6] for c in _snapshot(db)) == 12
    _world(db, 3, seed=12)
    result = CliRunner().invoke(app, ["performance", "refresh"])
    assert result.exit_code == 0 and "timelines at event" in result.output, result.output
    with db.begin():
        assert sum(c[6] for c in _snapshot(db)) == 15


def test_the_worker_pass_folds_new_events(client, db):
    from clearway.performance.jobs import refresh

    _world(db, 4, seed=13)
    assert refresh(job_context()) == 0
    with db.begin():
        assert sum(c[6] for c in _snapshot(db)) == 4
        assert db.get(PerformanceState, 1).last_event_id > 0


RAGGED = Filters(date_from=date(2026, 3, 9), date_to=date(2026, 4, 30))  # part of March, all of April


def test_declaration_counts_from_rollups_match_the_timelines(db, refreshed, monkeypatch):
    from clearway.performance.service import counts_by

    _world(db, 120, seed=21)
    refreshed()
    for columns in (("channel",), ("period",), ("period", "channel"), ("office", "aeo")):
        with db.begin():
            exact = counts_by(db=db, filters=RAGGED, columns=columns)
            monkeypatch.setattr(performance_settings(), "exact_limit", 0)
            rolled = counts_by(db=db, filters=RAGGED, columns=columns)
            monkeypatch.setattr(performance_settings(), "exact_limit", 50_000)
        assert sorted(map(tuple, rolled), key=str) == sorted(map(tuple, exact), key=str), columns


def test_release_time_bars_from_rollups_match_the_timelines_up_to_values_next_to_a_bound(db, refreshed,
                                                                                      monkeypatch):
    from clearway.performance.service import BUCKETS, distribution

    _world(db, 150, seed=22)
    refreshed()
    with db.begin():
        exact = distribution(db=db, filters=RAGGED)
        monkeypatch.setattr(performance_settings(), "exact_limit", 0)
        rolled = distribution(db=db, filters=RAGGED)
        durations = [r[0] for r in db.execute(select(PerformanceTimeline.released - PerformanceTimeline.lodged).where(
            PerformanceTimeline.released >= PerformanceTimeline.lodged))]
    assert [b for b, _ in rolled] == [b for b, _ in exact] and sum(n for _, n in exact) > 50
    near = sum(1 for x in durations for bound in BUCKETS if abs(x - bound) <= ALPHA * bound)
    assert sum(n for _, n in rolled) == sum(n for _, n in exact)
    assert sum(abs(a - b) for (_, a), (_, b) in zip(rolled, exact, strict=True)) <= 2 * near
