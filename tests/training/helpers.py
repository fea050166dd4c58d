"""Shared steps of the training tests: a small training world, an exercise with known frauds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clearway.auth.schemas import Principal

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)  # a fixed clock: seeded worlds vary with `now`
INSTRUCTOR = Principal(user_id=0, username="instructor", role="admin", organisation_id=0,
                       organisation_code="KRCUSTOMS")


def trainee(name: str = "officer") -> Principal:
    """An officer working an exercise."""
    return Principal(user_id=0, username=name, role="officer", organisation_id=0, organisation_code="KRCUSTOMS",
                     office="KR0101")


def fresh(db: Any) -> Any:
    """End the read transaction a test's queries began, so the next step begins its own."""
    if db.in_transaction():
        db.commit()
    return db


def small_world(db: Any, cohort: str = "c1", seed: int = 3, days: int = 10, per_day: int = 20) -> Any:
    """A training world of a few hundred declarations, committed."""
    from clearway.training.service import world_seed

    with fresh(db).begin():
        world = world_seed(db=db, cohort=cohort, seed=seed, days=days, per_day=per_day, now=NOW)
        db.expunge(world)
    return world


def exercise(db: Any, size: int = 10, frauds: int = 3, budget: int = 4, cohort: str = "c1") -> int:
    """An exercise of `size` cases, `frauds` of them fraudulent; its id."""
    from clearway.training.schemas import ExerciseCreate
    from clearway.training.service import exercise_create

    with fresh(db).begin():
        return exercise_create(db=db, actor=INSTRUCTOR, now=NOW, body=ExerciseCreate(
            cohort=cohort, title="Targeting, day one", budget=budget, size=size, frauds=frauds)).id
