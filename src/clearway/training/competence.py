"""Scores per competence for the instructor's dashboard: for each trainee of a cohort, where each exercise kind
(a competence: targeting, valuation, classification, documentary check, rule writing, release) stands, and how far
the trainee has got (attempts handed in of those started)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.training.certification import passed
from clearway.training.models import Attempt, Exercise, TrainingWorld
from clearway.training.results import score_of

KINDS = ("targeting", "valuation", "classification", "documentary", "rule", "release")
# Best first: a competence shows the trainee's best standing over every attempt of that kind.
_RANK = {"passed": 3, "not_passed": 2, "in_progress": 1}


@dataclass
class CompetenceRow:
    """One trainee of one cohort: the standing per exercise kind and the attempts handed in of those started."""

    cohort: str
    trainee: str
    standing: dict[str, str] = field(default_factory=dict)  # kind -> passed | not_passed | in_progress
    started: int = 0
    handed_in: int = 0


def competence_table(db: Session) -> list[CompetenceRow]:
    """Every trainee's standing per competence, per cohort, from their scored attempts."""
    rows: dict[tuple[str, str], CompetenceRow] = {}
    attempts = db.execute(select(Attempt, Exercise, TrainingWorld.cohort)
                          .join(Exercise, Exercise.id == Attempt.exercise_id)
                          .join(TrainingWorld, TrainingWorld.id == Exercise.world_id)
                          .order_by(TrainingWorld.cohort, Attempt.trainee, Exercise.id)).tuples().all()
    for attempt, exercise, cohort in attempts:
        row = rows.setdefault((cohort, attempt.trainee), CompetenceRow(cohort=cohort, trainee=attempt.trainee))
        row.started += 1
        if attempt.finished_at is None:
            state = "in_progress"
        else:
            row.handed_in += 1
            state = "passed" if passed(score_of(db, exercise, attempt)) else "not_passed"
        if _RANK[state] > _RANK.get(row.standing.get(exercise.kind, ""), 0):
            row.standing[exercise.kind] = state
    return list(rows.values())
