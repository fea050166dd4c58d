"""The training demo: a demo cohort's world and one closed exercise the demo officer worked, with its scores."""

from __future__ import annotations

from clearway.training import selectors
from clearway.training.demo import training_demo_seed
from tests.training.helpers import NOW, fresh


def test_the_demo_has_a_finished_exercise_with_the_officers_scores(db, world):
    with fresh(db).begin():
        exercise_id = training_demo_seed(db=db, now=NOW).id
    fresh(db)
    exercise = selectors.exercise_get(db, exercise_id)
    assert exercise.status == "closed"
    (score,) = selectors.exercise_report(db, exercise)
    assert (score.trainee, score.finished, score.size) == ("officer", True, 20)
    assert (score.hits, score.misses, score.false_alarms, score.kinds_named) == (4, 1, 1, 3)
    assert score.decided == 20 and score.seconds is not None and 15 * 60 < score.seconds < 30 * 60
    assert len(score.missed) == 1
    assert [w.cohort for w in selectors.worlds_list(db)] == ["demo"]
