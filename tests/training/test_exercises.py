"""Scored exercises: the instructor picks declarations of known truth, trainees work the queue (open, flag or
clear), and the score compares each decision with the truth: hits, misses, false alarms, time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clearway.errors import Conflict, ValidationFailed
from clearway.training import results, selectors, service
from clearway.training.models import TrainingCase
from clearway.training.schemas import DecisionCreate, ExerciseCreate
from tests.training.helpers import INSTRUCTOR, NOW, exercise, fresh, small_world, trainee


def _queue(db, exercise_id: int, who: str = "officer"):
    ex = selectors.exercise_get(db, exercise_id)
    return ex, selectors.exercise_read(db, ex, trainee=who).items


def _truth(db, reference: str) -> str | None:
    from sqlalchemy import select

    return db.scalar(select(TrainingCase.fraud_kind).where(TrainingCase.reference == reference))


def test_a_sample_exercise_holds_the_planted_frauds_asked_for_in_lodgement_order(db):
    small_world(db)
    ex, items = _queue(db, exercise(db, size=12, frauds=4))
    assert len(items) == 12 and ex.budget == 4
    assert sum(_truth(db, i.reference) is not None for i in items) == 4
    assert [i.lodged_at for i in items] == sorted(i.lodged_at for i in items)
    assert all(i.truth is None for i in items)  # a trainee does not see the truth before handing in


def test_named_cases_and_an_unknown_one_points_at_it(db):
    world = small_world(db)
    with fresh(db).begin():
        made = service.exercise_create(db=db, actor=INSTRUCTOR, now=NOW, body=ExerciseCreate(
            cohort="c1", title="Two cases", budget=1, cases=[f"TRN-{world.id}-2", f"TRN-{world.id}-1"]))
        assert [i.reference for i in selectors.exercise_read(db, made, instructor=True).items] == \
            [f"TRN-{world.id}-2", f"TRN-{world.id}-1"]
    with pytest.raises(ValidationFailed) as refused, fresh(db).begin():
        service.exercise_create(db=db, actor=INSTRUCTOR, now=NOW, body=ExerciseCreate(
            cohort="c1", title="Bad", budget=1, cases=[f"TRN-{world.id}-1", "TRN-999-1"]))
    assert refused.value.problems[0].pointer == "/cases/1"


def test_perfect_and_careless_trainees_score_as_their_decisions_deserve(db):
    small_world(db)
    exercise_id = exercise(db, size=10, frauds=3, budget=4)
    ex, items = _queue(db, exercise_id)
    frauds = [i for i in items if _truth(db, i.reference)]
    with fresh(db).begin():
        for n, item in enumerate(items):
            at = NOW + timedelta(minutes=n)
            service.item_open(db=db, actor=trainee("ana"), exercise=ex, item_id=item.id, now=at)
            fraud = _truth(db, item.reference)
            service.decision_record(db=db, actor=trainee("ana"), exercise=ex, item_id=item.id, now=at + timedelta(
                seconds=30), body=DecisionCreate(decision="flag" if fraud else "clear", suspected=fraud))
        service.attempt_finish(db=db, actor=trainee("ana"), exercise=ex, now=NOW + timedelta(minutes=20))
        # Careless: flags the first compliant one, clears one fraud, never looks at the rest.
        clean = next(i for i in items if not _truth(db, i.reference))
        service.decision_record(db=db, actor=trainee("ben"), exercise=ex, item_id=clean.id, now=NOW,
                                body=DecisionCreate(decision="flag", suspected="quantity"))
        service.decision_record(db=db, actor=trainee("ben"), exercise=ex, item_id=frauds[0].id, now=NOW,
                                body=DecisionCreate(decision="clear"))
    fresh(db)
    ana, ben = results.exercise_report(db, ex)
    assert (ana.trainee, ana.hits, ana.misses, ana.false_alarms, ana.correct_rejections) == ("ana", 3, 0, 0, 7)
    assert ana.kinds_named == 3 and ana.hit_rate == 1.0 and ana.finished
    assert ana.seconds == 20 * 60 and ana.seconds_per_decision == 30
    assert ana.hit_rate_ci is not None and ana.hit_rate_ci[0] < 1.0  # three frauds say little
    assert (ben.hits, ben.misses, ben.false_alarms, ben.finished) == (0, 3, 1, False)
    assert ben.d_prime is not None and ana.d_prime is not None and ana.d_prime > ben.d_prime
    assert ben.missed == []  # the missed references are told only once the trainee hands in
    assert int(ana.revenue_missed) == 0 and int(ben.revenue_found) == 0
    # After handing in, the trainee sees the truth of every declaration.
    assert all(i.truth is not None for i in selectors.exercise_read(db, ex, trainee="ana").items)
    assert all(i.truth is None for i in selectors.exercise_read(db, ex, trainee="ben").items)


def test_flags_beyond_the_budget_are_refused_and_a_finished_attempt_is_final(db):
    small_world(db)
    ex, items = _queue(db, exercise(db, size=5, frauds=2, budget=1))
    with fresh(db).begin():
        service.decision_record(db=db, actor=trainee(), exercise=ex, item_id=items[0].id, now=NOW,
                                body=DecisionCreate(decision="flag"))
        # Changing one's mind on the same declaration is not a second flag.
        service.decision_record(db=db, actor=trainee(), exercise=ex, item_id=items[0].id, now=NOW,
                                body=DecisionCreate(decision="flag", suspected="undervaluation"))
    with pytest.raises(Conflict) as spent, fresh(db).begin():
        service.decision_record(db=db, actor=trainee(), exercise=ex, item_id=items[1].id, now=NOW,
                                body=DecisionCreate(decision="flag"))
    assert spent.value.problems[0].code == "training.budget_spent"
    with fresh(db).begin():
        service.attempt_finish(db=db, actor=trainee(), exercise=ex, now=NOW)
    with pytest.raises(Conflict) as final, fresh(db).begin():
        service.decision_record(db=db, actor=trainee(), exercise=ex, item_id=items[1].id, now=NOW,
                                body=DecisionCreate(decision="clear"))
    assert final.value.problems[0].code == "training.attempt_finished"


def test_a_closed_exercise_takes_no_new_trainee_and_finishes_open_attempts(db):
    small_world(db)
    ex, items = _queue(db, exercise(db, size=3, frauds=1, budget=1))
    with fresh(db).begin():
        service.item_open(db=db, actor=trainee("ana"), exercise=ex, item_id=items[0].id, now=NOW)
        service.exercise_close(db=db, actor=INSTRUCTOR, exercise=ex, now=NOW + timedelta(hours=1))
    with pytest.raises(Conflict), fresh(db).begin():
        service.attempt_start(db=db, actor=trainee("ben"), exercise=ex, now=NOW)
    fresh(db)
    (ana,) = results.exercise_report(db, ex)
    assert ana.finished and ana.seconds == 3600


def test_a_trainee_report_lists_every_exercise_attempted(db):
    small_world(db)
    first, second = exercise(db, size=3, frauds=1), exercise(db, size=4, frauds=2)
    for exercise_id in (first, second):
        ex, items = _queue(db, exercise_id)
        with fresh(db).begin():
            service.decision_record(db=db, actor=trainee(), exercise=ex, item_id=items[0].id, now=NOW,
                                    body=DecisionCreate(decision="clear"))
    fresh(db)
    assert [(s.exercise_id, s.size) for s in results.trainee_report(db, "officer")] == [(first, 3), (second, 4)]
    assert results.trainee_report(db, "nobody") == []


def test_the_frauds_most_often_missed_come_first(db):
    small_world(db)
    ex, items = _queue(db, exercise(db, size=6, frauds=2, budget=2))
    first, second = [i for i in items if _truth(db, i.reference)]
    with fresh(db).begin():
        service.decision_record(db=db, actor=trainee("ana"), exercise=ex, item_id=first.id, now=NOW,
                                body=DecisionCreate(decision="flag"))
        for name in ("ana", "ben"):
            service.attempt_start(db=db, actor=trainee(name), exercise=ex, now=NOW)
            service.attempt_finish(db=db, actor=trainee(name), exercise=ex, now=NOW)
    fresh(db)
    assert results.most_missed(results.exercise_report(db, ex)) == [(second.reference, 2), (first.reference, 1)]
