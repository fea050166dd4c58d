"""The training demo: a cohort's training world and one finished, scored exercise of the demo officer.

The officer caught four of the five planted frauds, named three of them, raised one false alarm, and handed in
after about twenty minutes; the exercise is closed, so its report and answer key are what an instructor sees.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.training import selectors, service
from clearway.training.models import Exercise
from clearway.training.schemas import DecisionCreate, ExerciseCreate

COHORT = "demo"
INSTRUCTOR = Principal(user_id=0, username="admin", role="admin", organisation_id=0, organisation_code="KRCUSTOMS")
TRAINEE = Principal(user_id=0, username="officer", role="officer", organisation_id=0, organisation_code="KRCUSTOMS",
                    office="KR0101")


def training_demo_seed(*, db: Session, now: datetime) -> Exercise:
    """Seed the demo cohort's world and a closed exercise the demo officer has worked; the exercise."""
    service.world_seed(db=db, cohort=COHORT, seed=7, days=14, per_day=30, now=now)
    started = now - timedelta(days=2)
    exercise = service.exercise_create(db=db, actor=INSTRUCTOR, now=started, body=ExerciseCreate(
        cohort=COHORT, title="Targeting: find the planted frauds in a day's declarations", budget=6, size=20,
        frauds=5, cases=None))
    items = selectors.exercise_read(db, exercise, instructor=True).items
    frauds = [i.id for i in items if i.truth and i.truth.fraud]
    caught, named = set(frauds[:4]), set(frauds[:3])
    false_alarm = next(i.id for i in items if i.truth and not i.truth.fraud)
    at = started + timedelta(minutes=1)
    service.attempt_start(db=db, actor=TRAINEE, exercise=exercise, now=started)
    for item in items:
        service.item_open(db=db, actor=TRAINEE, exercise=exercise, item_id=item.id, now=at)
        flag = item.id in caught or item.id == false_alarm
        # A named fraud is the planted one; the others are flagged on a wrong guess.
        suspected = (item.truth.fraud_kind if item.truth and item.id in named else "quantity") if flag else None
        at += timedelta(seconds=45 if flag else 30)
        service.decision_record(db=db, actor=TRAINEE, exercise=exercise, item_id=item.id, now=at,
                                body=DecisionCreate.model_validate({"decision": "flag" if flag else "clear",
                                                                    "suspected": suspected}))
        at += timedelta(seconds=15)
    service.attempt_finish(db=db, actor=TRAINEE, exercise=exercise, now=at + timedelta(minutes=1))
    service.exercise_close(db=db, actor=INSTRUCTOR, exercise=exercise, now=now - timedelta(days=1))
    return exercise
