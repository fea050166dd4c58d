"""The training world: seeded from the synthetic generator with planted frauds, reset per cohort with one
command, and kept apart from live data (no declaration, event, payment or figure comes of it)."""

from __future__ import annotations

from sqlalchemy import func, select, text
from typer.testing import CliRunner

from clearway.training.models import Exercise, TrainingCase
from tests.training.helpers import exercise, small_world

LIVE_TABLES = ("declarations", "declaration_events", "tariff_payments", "notification_outbox", "control_tasks",
               "performance_timelines")


def _count(db, table: str) -> int:
    return int(db.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar() or 0)


def _live_tables(db) -> list[str]:
    from sqlalchemy import inspect

    present = set(inspect(db.get_bind()).get_table_names())
    return [t for t in LIVE_TABLES if t in present]


def test_a_world_holds_synthetic_declarations_with_planted_frauds_and_their_truth(db):
    world = small_world(db)
    cases = list(db.scalars(select(TrainingCase).where(TrainingCase.world_id == world.id)))
    assert world.case_count == len(cases) > 100
    frauds = [c for c in cases if c.fraud_kind]
    assert 0 < len(frauds) < len(cases)
    assert all(c.truth["fraud_kind"] == c.fraud_kind for c in cases)
    assert {c.document["lrn"] for c in cases} and all(c.reference.startswith(f"TRN-{world.id}-") for c in cases)


def test_seeding_writes_nothing_to_live_data(db):
    tables = _live_tables(db)
    assert "declarations" in tables and "performance_timelines" in tables
    small_world(db)
    assert {t: _count(db, t) for t in tables} == dict.fromkeys(tables, 0)


def test_the_same_seed_gives_the_same_world_and_a_reset_starts_the_cohort_afresh(db):
    first = small_world(db)
    truth = [c.fraud_kind for c in db.scalars(select(TrainingCase).order_by(TrainingCase.id))]
    exercise(db)
    assert db.scalar(select(func.count()).select_from(Exercise)) == 1
    again = small_world(db)
    assert again.id == first.id
    assert [c.fraud_kind for c in db.scalars(select(TrainingCase).order_by(TrainingCase.id))] == truth
    assert db.scalar(select(func.count()).select_from(Exercise)) == 0  # the cohort's exercises went with it
    other = small_world(db, cohort="c2", seed=4)
    assert other.id != first.id and db.scalar(select(func.count()).select_from(TrainingCase)) == \
        first.case_count + other.case_count


def test_the_command_seeds_a_world_with_a_progress_bar(db_url):
    from clearway.cli import app

    result = CliRunner().invoke(app, ["training", "world", "--cohort", "cli", "--days", "5", "--per-day", "10"])
    assert result.exit_code == 0, result.output
    assert "training world cli:" in result.output and "declarations" in result.output
    refused = CliRunner().invoke(app, ["training", "world", "--cohort", "cli", "--days", "0"])
    assert refused.exit_code == 2


def test_working_an_exercise_releases_pays_and_counts_nothing(db):
    from clearway.training import selectors, service
    from clearway.training.schemas import DecisionCreate
    from tests.training.helpers import NOW, fresh, trainee

    tables = _live_tables(db)
    small_world(db)
    ex = selectors.exercise_get(db, exercise(db, size=5, frauds=2, budget=5))
    items = selectors.exercise_read(db, ex, trainee="officer").items
    with fresh(db).begin():
        for n, item in enumerate(items):
            service.decision_record(db=db, actor=trainee(), exercise=ex, item_id=item.id, now=NOW,
                                    body=DecisionCreate(decision="clear" if n % 2 else "flag"))
        service.attempt_finish(db=db, actor=trainee(), exercise=ex, now=NOW)
    fresh(db)
    assert {t: _count(db, t) for t in tables} == dict.fromkeys(tables, 0)
