"""The training API under /api/v1/training: worlds, exercises and their scoring, the trainee's queue, threat
projection into the live queue and officers' detection scores. Thin: parse, authorise, one service call in one
transaction, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from clearway.db import utcnow
from clearway.deps import CurrentAdmin, DbSession
from clearway.openapi_docs import PROBLEMS
from clearway.training import certification, injection, projection, report, results, selectors, service
from clearway.training.access import Learner, Staff, Trainee, instructor_check, is_instructor
from clearway.training.schemas import (
    CertificateList,
    DecisionCreate,
    ExerciseCreate,
    ExerciseList,
    ExerciseRead,
    GatedAction,
    GateList,
    GateRead,
    GateSet,
    InjectionList,
    InjectionRead,
    InjectionSet,
    ItemDetail,
    ItemRead,
    MonthlyReport,
    MyScores,
    Office,
    OfficerScores,
    ProjectionCreate,
    ProjectionList,
    ProjectionRead,
    Report,
    RuleTestRun,
    RuleWrite,
    ScoreRead,
    WorldList,
)

router = APIRouter(prefix="/training", tags=["training"])
ExerciseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/worlds", operation_id="listTrainingWorlds", responses=PROBLEMS)
def worlds(db: DbSession, actor: Staff) -> WorldList:
    """Every cohort's training world (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        return WorldList(items=selectors.worlds_list(db))


@router.get("/exercises", operation_id="listTrainingExercises", responses=PROBLEMS)
def exercises(db: DbSession, actor: Learner) -> ExerciseList:
    """Exercises: every one for instructors, the open ones for trainees."""
    with db.begin():
        return ExerciseList(items=selectors.exercises_list(db, open_only=not is_instructor(db, actor)))


@router.post("/exercises", status_code=201, operation_id="createTrainingExercise", responses=PROBLEMS)
def exercise_create(body: ExerciseCreate, db: DbSession, actor: Staff) -> ExerciseRead:
    """Define an exercise: named cases of a cohort's world, or a sample with a number of planted frauds."""
    with db.begin():
        instructor_check(db, actor)
        exercise = service.exercise_create(db=db, actor=actor, body=body, now=utcnow())
        return selectors.exercise_read(db, exercise, instructor=True)


@router.get("/exercises/{exercise_id}", operation_id="getTrainingExercise", responses=PROBLEMS)
def exercise_get(exercise_id: ExerciseId, db: DbSession, actor: Trainee) -> ExerciseRead:
    """The trainee's queue: each declaration with the trainee's decision (the truth once handed in)."""
    with db.begin():
        return selectors.exercise_read(db, selectors.exercise_get(db, exercise_id), trainee=actor.username)


@router.get("/exercises/{exercise_id}/key", operation_id="getTrainingExerciseKey", responses=PROBLEMS)
def exercise_key(exercise_id: ExerciseId, db: DbSession, actor: Staff) -> ExerciseRead:
    """The exercise with the truth of every declaration (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        return selectors.exercise_read(db, selectors.exercise_get(db, exercise_id), instructor=True)


@router.get("/exercises/{exercise_id}/report", operation_id="getTrainingExerciseReport", responses=PROBLEMS)
def exercise_report(exercise_id: ExerciseId, db: DbSession, actor: Staff) -> Report:
    """Every trainee's score on the exercise (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        return Report(items=results.exercise_report(db, selectors.exercise_get(db, exercise_id)))


@router.post("/exercises/{exercise_id}/close", operation_id="closeTrainingExercise", responses=PROBLEMS)
def exercise_close(exercise_id: ExerciseId, db: DbSession, actor: Staff) -> ExerciseRead:
    """Close an exercise: unfinished attempts are handed in as they stand."""
    with db.begin():
        instructor_check(db, actor)
        exercise = service.exercise_close(db=db, actor=actor, exercise=selectors.exercise_get(db, exercise_id),
                                          now=utcnow())
        return selectors.exercise_read(db, exercise, instructor=True, with_items=False)


@router.post("/exercises/{exercise_id}/items/{item_id}/open", operation_id="openTrainingItem", responses=PROBLEMS)
def item_open(exercise_id: ExerciseId, item_id: ItemId, db: DbSession, actor: Trainee) -> ItemDetail:
    """Open a declaration to inspect it (its time counts from the first opening); the whole document."""
    with db.begin():
        exercise = selectors.exercise_get(db, exercise_id)
        service.item_open(db=db, actor=actor, exercise=exercise, item_id=item_id, now=utcnow())
        return selectors.item_detail(db, exercise, item_id, actor.username)


@router.put("/exercises/{exercise_id}/items/{item_id}/decision", operation_id="decideTrainingItem",
            responses=PROBLEMS)
def item_decide(exercise_id: ExerciseId, item_id: ItemId, body: DecisionCreate, db: DbSession,
                actor: Trainee) -> ItemRead:
    """Flag a declaration for inspection (within the budget, naming the suspected fraud) or clear it."""
    with db.begin():
        exercise = selectors.exercise_get(db, exercise_id)
        service.decision_record(db=db, actor=actor, exercise=exercise, item_id=item_id, body=body, now=utcnow())
        detail = selectors.item_detail(db, exercise, item_id, actor.username)
        return ItemRead(**detail.model_dump(exclude={"document"}))


@router.put("/exercises/{exercise_id}/rule", operation_id="writeTrainingRule", responses=PROBLEMS)
def rule_write(exercise_id: ExerciseId, body: RuleWrite, db: DbSession, actor: Trainee) -> RuleTestRun:
    """Hand in a selectivity rule for a rule-writing exercise; its test-run says how many declarations it
    selects (which of them were frauds is told on handing in)."""
    with db.begin():
        exercise = selectors.exercise_get(db, exercise_id)
        service.rule_write(db=db, actor=actor, exercise=exercise, body=body, now=utcnow())
        return selectors.rule_test_run(db, exercise, body.expression)


@router.post("/exercises/{exercise_id}/finish", operation_id="finishTrainingExercise", responses=PROBLEMS)
def exercise_finish(exercise_id: ExerciseId, db: DbSession, actor: Trainee) -> ScoreRead:
    """Hand in: undecided declarations count as cleared; the score against the truth."""
    with db.begin():
        exercise = selectors.exercise_get(db, exercise_id)
        service.attempt_start(db=db, actor=actor, exercise=exercise, now=utcnow())
        attempt = service.attempt_finish(db=db, actor=actor, exercise=exercise, now=utcnow())
        return results.score_of(db, exercise, attempt)


@router.get("/me", operation_id="getMyTrainingScores", responses=PROBLEMS)
def my_scores(db: DbSession, actor: Trainee) -> MyScores:
    """The officer's own scores: exercises, and detection of the threats projected to it."""
    with db.begin():
        projection.projections_sync(db=db, now=utcnow(), officer=actor.username)
        mine = results.officer_scores(db, officer=actor.username).items
        now = utcnow()
        return MyScores(exercises=results.trainee_report(db, actor.username), projections=mine[0] if mine else None,
                        certificates=[certification.certificate_read(c, now)
                                      for c in certification.certificates_of(db, actor.username)])


@router.post("/projections", status_code=201, operation_id="projectTrainingDeclaration", responses=PROBLEMS)
def project(body: ProjectionCreate, db: DbSession, actor: Staff) -> ProjectionRead:
    """Project a training case into an officer's live control queue as a test; it can never be released."""
    with db.begin():
        instructor_check(db, actor)
        return results.projection_read(projection.projection_create(db=db, actor=actor, body=body, now=utcnow()))


@router.get("/projections", operation_id="listTrainingProjections", responses=PROBLEMS)
def projections(db: DbSession, actor: Staff) -> ProjectionList:
    """Projections, newest first, with the officers' decisions revealed and scored (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        projection.projections_sync(db=db, now=utcnow())
        return ProjectionList(items=results.projections_list(db))


@router.get("/projections/scores", operation_id="getTrainingDetectionScores", responses=PROBLEMS)
def scores(db: DbSession, actor: Staff) -> OfficerScores:
    """Each officer's detection score with its 95 % interval, and the split-half reliability (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        projection.projections_sync(db=db, now=utcnow())
        return results.officer_scores(db)


@router.get("/certificates", operation_id="listTrainingCertificates", responses=PROBLEMS)
def certificates(db: DbSession, actor: Staff) -> CertificateList:
    """Every certificate awarded, by holder, role and level (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        now = utcnow()
        return CertificateList(items=[certification.certificate_read(c, now)
                                      for c in certification.certificates_of(db)])


@router.get("/gates", operation_id="listTrainingGates", responses=PROBLEMS)
def gates(db: DbSession, actor: Staff) -> GateList:
    """The production actions that ask for a certificate (none: certification gates nothing)."""
    with db.begin():
        return GateList(items=[certification.gate_read(g) for g in certification.gates_list(db)])


@router.put("/gates/{action}", operation_id="setTrainingGate", responses=PROBLEMS)
def gate_set(action: GatedAction, body: GateSet, db: DbSession, actor: CurrentAdmin) -> GateRead:
    """Require a certificate of a role, at a level or above, for a sensitive action (administrators)."""
    with db.begin():
        return certification.gate_read(certification.gate_set(db=db, actor=actor, action=action, role=body.role,
                                                               level=body.level, now=utcnow()))


@router.delete("/gates/{action}", status_code=204, operation_id="clearTrainingGate", responses=PROBLEMS)
def gate_clear(action: GatedAction, db: DbSession, actor: CurrentAdmin) -> None:
    """Stop asking for a certificate for the action (administrators)."""
    with db.begin():
        certification.gate_clear(db=db, actor=actor, action=action, now=utcnow())


def _injection_read(rate: Any) -> InjectionRead:
    return InjectionRead(office=rate.office, per_day=rate.per_day, cohort=rate.cohort, set_by=rate.set_by,
                         set_at=rate.set_at)


@router.get("/injection", operation_id="listTrainingInjection", responses=PROBLEMS)
def injection_list(db: DbSession, actor: Staff) -> InjectionList:
    """The offices whose live queues receive projections, and how many a day (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        return InjectionList(items=[_injection_read(r) for r in injection.rates_list(db)])


@router.put("/injection/{office}", operation_id="setTrainingInjection", responses=PROBLEMS)
def injection_set(office: Annotated[Office, Path()], body: InjectionSet, db: DbSession, actor: Staff
                  ) -> InjectionRead:
    """Project N cases a day into the office's queue (a supervisor its own office, an administrator any)."""
    with db.begin():
        instructor_check(db, actor)
        return _injection_read(injection.rate_set(db=db, actor=actor, office=office, per_day=body.per_day,
                                                  cohort=body.cohort, now=utcnow()))


@router.delete("/injection/{office}", status_code=204, operation_id="clearTrainingInjection", responses=PROBLEMS)
def injection_clear(office: Annotated[Office, Path()], db: DbSession, actor: Staff) -> None:
    """Stop projecting into the office's queue."""
    with db.begin():
        instructor_check(db, actor)
        injection.rate_clear(db=db, actor=actor, office=office, now=utcnow())


Month = Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]


@router.get("/reports/{office}/{month}", operation_id="getTrainingMonthlyReport", responses=PROBLEMS)
def monthly(office: Annotated[Office, Path()], month: Month, db: DbSession, actor: Staff) -> MonthlyReport:
    """An office's month: each officer's detection score next to the field hit rate, exercises, certificates
    (a supervisor its own office, an administrator any)."""
    with db.begin():
        instructor_check(db, actor)
        report.report_access(actor, office)
        projection.projections_sync(db=db, now=utcnow())
        return report.monthly_report(db, office=office, month=report.month_of(month), score_of=results.score_of)
