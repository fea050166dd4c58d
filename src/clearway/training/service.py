"""Training writes: seed or reset a cohort's world, define exercises, and record a trainee's work. Caller commits.

Nothing here writes a declaration, a payment or an event of the live system: the training world is its own
tables (see models.py), so its cases cannot be released, paid or counted, whatever a trainee does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.errors import Conflict, NotFound, Problem, ValidationFailed
from clearway.synthetic import generate_world
from clearway.training import certification, results, rulewriting, selectors
from clearway.training.models import (
    Attempt,
    Decision,
    Exercise,
    ExerciseItem,
    Mark,
    TrainingCase,
    TrainingWorld,
    WrittenRule,
)
from clearway.training.schemas import DecisionCreate, ExerciseCreate, RuleWrite

BATCH = 500  # cases inserted per statement while seeding (and per progress step)


def _world_clear(db: Session, world: TrainingWorld) -> None:
    """Remove a world's cases and everything built on them (a reset starts the cohort afresh)."""
    exercises = select(Exercise.id).where(Exercise.world_id == world.id).scalar_subquery()
    attempts = select(Attempt.id).where(Attempt.exercise_id.in_(exercises)).scalar_subquery()
    db.execute(delete(Mark).where(Mark.attempt_id.in_(attempts)))
    db.execute(delete(WrittenRule).where(WrittenRule.attempt_id.in_(attempts)))
    db.execute(delete(Decision).where(Decision.attempt_id.in_(attempts)))
    db.execute(delete(Attempt).where(Attempt.exercise_id.in_(exercises)))
    db.execute(delete(ExerciseItem).where(ExerciseItem.exercise_id.in_(exercises)))
    db.execute(delete(Exercise).where(Exercise.world_id == world.id))
    db.execute(delete(TrainingCase).where(TrainingCase.world_id == world.id))


def world_seed(*, db: Session, cohort: str, seed: int, days: int, per_day: int, now: datetime,
               progress: Callable[[int, int], None] | None = None) -> TrainingWorld:
    """Create a cohort's training world from the synthetic generator, or reset it (its exercises go too)."""
    if not 1 <= days <= 366 or not 1 <= per_day <= 500:
        raise ValidationFailed([Problem("training.world_size", "/days", {"days": days, "per_day": per_day})])
    world = db.scalar(select(TrainingWorld).where(TrainingWorld.cohort == cohort).with_for_update())
    if world is None:
        world = TrainingWorld(cohort=cohort, seed=seed, days=days, per_day=per_day, created_at=now, reset_at=now)
        db.add(world)
        db.flush()
    else:
        _world_clear(db, world)
        world.seed, world.days, world.per_day, world.reset_at = seed, days, per_day, now
    generated = generate_world(seed=seed, days=days, end=(now - timedelta(days=1)).date(),
                               declarations_per_day=per_day)
    records = generated.declarations
    for start in range(0, len(records), BATCH):
        rows = [{"world_id": world.id, "reference": f"TRN-{world.id}-{start + n + 1}", "lodged_at": r.lodged_at,
                 "declarant": r.declarant_org_id, "document": r.document, "fraud_kind": r.truth.fraud_kind,
                 "truth": dataclasses.asdict(r.truth)} for n, r in enumerate(records[start:start + BATCH])]
        db.execute(insert(TrainingCase), rows)
        if progress:
            progress(min(start + BATCH, len(records)), len(records))
    world.case_count = len(records)
    db.flush()
    return world


def _cases_for(db: Session, world: TrainingWorld, body: ExerciseCreate) -> list[TrainingCase]:
    """The exercise's cases: those named, or a reproducible sample (the first frauds and compliant ones)."""
    if body.cases is not None:
        found = {c.reference: c for c in db.scalars(select(TrainingCase).where(
            TrainingCase.world_id == world.id, TrainingCase.reference.in_(body.cases)))}
        missing = [i for i, ref in enumerate(body.cases) if ref not in found]
        if missing:
            raise ValidationFailed([Problem("training.case_unknown", f"/cases/{i}", {"case": body.cases[i]})
                                    for i in missing])
        return [found[ref] for ref in dict.fromkeys(body.cases)]
    size, frauds = body.size or 0, body.frauds or 0
    base = select(TrainingCase).where(TrainingCase.world_id == world.id).order_by(TrainingCase.id)
    if body.kind == "classification":
        return _classification_cases(db, base, size, frauds)
    planted = TrainingCase.fraud_kind == "undervaluation" if body.kind == "valuation" else \
        TrainingCase.fraud_kind.is_not(None)
    bad = list(db.scalars(base.where(planted).limit(frauds)))
    good = list(db.scalars(base.where(TrainingCase.fraud_kind.is_(None)).limit(size - frauds)))
    if len(bad) < frauds or len(good) < size - frauds:
        raise ValidationFailed([Problem("training.sample_too_large", "/size",
                                        {"frauds": len(bad), "compliant": len(good)})])
    # Frauds spread through the queue rather than first: order by lodgement, as they arrived.
    return sorted(bad + good, key=lambda c: (c.lodged_at, c.id))


def _classification_cases(db: Session, base: Any, size: int, frauds: int) -> list[TrainingCase]:
    """Compliant cases whose first line is declared under its true subheading: its description then names it."""
    if frauds:
        raise ValidationFailed([Problem("training.classification_frauds", "/frauds", {"frauds": frauds})])
    chosen = []
    for case in db.scalars(base.where(TrainingCase.fraud_kind.is_(None)).limit(size * 4)):
        lines, truth = case.document.get("items", []), case.truth.get("items", [])
        if lines and truth and lines[0].get("hs_code") == truth[0].get("hs_code"):
            chosen.append(case)
        if len(chosen) == size:
            return sorted(chosen, key=lambda c: (c.lodged_at, c.id))
    raise ValidationFailed([Problem("training.sample_too_large", "/size", {"frauds": 0, "compliant": len(chosen)})])


def exercise_create(*, db: Session, actor: Principal, body: ExerciseCreate, now: datetime) -> Exercise:
    """Define an exercise over cases of a cohort's world (audited)."""
    world = db.scalar(select(TrainingWorld).where(TrainingWorld.cohort == body.cohort))
    if world is None:
        raise ValidationFailed([Problem("training.cohort_unknown", "/cohort", {"cohort": body.cohort})])
    cases = _cases_for(db, world, body)
    exercise = Exercise(world_id=world.id, title=body.title, titles=dict(body.titles) if body.titles else None,
                        budget=body.budget, status="open", level=body.level,
                        kind=body.kind,
                        created_by=actor.username, created_at=now)
    db.add(exercise)
    db.flush()
    db.add_all(ExerciseItem(exercise_id=exercise.id, case_id=c.id, position=n + 1) for n, c in enumerate(cases))
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="training.exercise_created",
                 target_type="training_exercise", target_id=str(exercise.id),
                 detail={"cohort": body.cohort, "size": len(cases), "budget": body.budget}, at=now)
    db.flush()
    return exercise


def exercise_close(*, db: Session, actor: Principal, exercise: Exercise, now: datetime) -> Exercise:
    """Close an exercise: no new attempts or decisions; unfinished attempts are finished as they stand."""
    exercise.status = "closed"
    for attempt in db.scalars(select(Attempt).where(Attempt.exercise_id == exercise.id,
                                                    Attempt.finished_at.is_(None))):
        attempt.finished_at = now
        db.flush()
        certification.certificates_award(db=db, holder=attempt.trainee, now=now,
                                         scores=lambda e, a: results.score_of(db, e, a))
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="training.exercise_closed",
                 target_type="training_exercise", target_id=str(exercise.id), at=now)
    db.flush()
    return exercise


def _open_exercise(exercise: Exercise) -> None:
    if exercise.status != "open":
        raise Conflict([Problem("training.exercise_closed", "", {"exercise": exercise.id})])


def attempt_start(*, db: Session, actor: Principal, exercise: Exercise, now: datetime) -> Attempt:
    """Start (or continue) the trainee's attempt at an open exercise; the clock runs from the first start."""
    attempt = db.scalar(select(Attempt).where(Attempt.exercise_id == exercise.id, Attempt.trainee == actor.username))
    if attempt is not None:
        return attempt
    _open_exercise(exercise)
    attempt = Attempt(exercise_id=exercise.id, trainee=actor.username, started_at=now)
    db.add(attempt)
    db.flush()
    return attempt


def _working(db: Session, actor: Principal, exercise: Exercise, item_id: int, now: datetime
             ) -> tuple[Attempt, ExerciseItem]:
    _open_exercise(exercise)
    item = db.get(ExerciseItem, item_id)
    if item is None or item.exercise_id != exercise.id:
        raise NotFound([Problem("training.item_not_found", "", {"item": item_id})])
    attempt = attempt_start(db=db, actor=actor, exercise=exercise, now=now)
    if attempt.finished_at is not None:
        raise Conflict([Problem("training.attempt_finished", "", {"exercise": exercise.id})])
    return attempt, item


def item_open(*, db: Session, actor: Principal, exercise: Exercise, item_id: int, now: datetime) -> ExerciseItem:
    """The trainee opens a declaration to inspect it: the time spent on it counts from the first opening."""
    attempt, item = _working(db, actor, exercise, item_id, now)
    if db.scalar(select(Decision.id).where(Decision.attempt_id == attempt.id, Decision.item_id == item.id)) is None:
        db.add(Decision(attempt_id=attempt.id, item_id=item.id, opened_at=now))
        db.flush()
    return item


def decision_record(*, db: Session, actor: Principal, exercise: Exercise, item_id: int, body: DecisionCreate,
                    now: datetime) -> Decision:
    """Flag or clear one declaration; flags beyond the exercise's budget are refused (409)."""
    attempt, item = _working(db, actor, exercise, item_id, now)
    decision = db.scalar(select(Decision).where(Decision.attempt_id == attempt.id, Decision.item_id == item.id))
    if exercise.kind == "classification":
        return _classified(db, attempt, item, decision, body, now)
    if exercise.kind == "documentary":
        return _checked_papers(db, exercise, attempt, item, decision, body, now)
    if body.decision is None:
        raise ValidationFailed([Problem("training.decision_required", "/decision", {})])
    if body.decision == "flag" and exercise.kind != "release":  # holding goods spends no inspection budget
        flagged = db.scalars(select(Decision.item_id).where(Decision.attempt_id == attempt.id,
                                                            Decision.decision == "flag")).all()
        if item.id not in flagged and len(flagged) >= exercise.budget:
            raise Conflict([Problem("training.budget_spent", "/decision", {"budget": exercise.budget})])
    if decision is None:
        decision = Decision(attempt_id=attempt.id, item_id=item.id, opened_at=now)
        db.add(decision)
    decision.decision, decision.decided_at = body.decision, now
    decision.suspected = body.suspected if body.decision == "flag" else None
    db.flush()
    return decision


def _classified(db: Session, attempt: Attempt, item: ExerciseItem, decision: Decision | None, body: DecisionCreate,
                now: datetime) -> Decision:
    """Record the subheading a trainee gives in a classification exercise."""
    if body.hs_code is None:
        raise ValidationFailed([Problem("training.hs_code_required", "/hs_code", {})])
    if decision is None:
        decision = Decision(attempt_id=attempt.id, item_id=item.id, opened_at=now)
        db.add(decision)
    decision.decision, decision.answer, decision.decided_at, decision.suspected = "classify", body.hs_code, now, None
    db.flush()
    return decision


def _checked_papers(db: Session, exercise: Exercise, attempt: Attempt, item: ExerciseItem, decision: Decision | None,
                    body: DecisionCreate, now: datetime) -> Decision:
    """Record the check points a trainee marks as discrepancies (the marks replace the previous ones)."""
    if body.marks is None:
        raise ValidationFailed([Problem("training.marks_required", "/marks", {})])
    case = db.get(TrainingCase, item.case_id)
    assert case is not None  # an exercise item always names a case of its world
    known = {p.key for p in selectors.points_of(exercise, item, case)}
    unknown = [i for i, key in enumerate(body.marks) if key not in known]
    if unknown:
        raise ValidationFailed([Problem("training.mark_unknown", f"/marks/{i}", {"point": body.marks[i]})
                                for i in unknown])
    db.execute(delete(Mark).where(Mark.attempt_id == attempt.id, Mark.item_id == item.id))
    db.add_all(Mark(attempt_id=attempt.id, item_id=item.id, point=key) for key in dict.fromkeys(body.marks))
    if decision is None:
        decision = Decision(attempt_id=attempt.id, item_id=item.id, opened_at=now)
        db.add(decision)
    decision.decision, decision.decided_at, decision.suspected, decision.answer = "checked", now, None, None
    db.flush()
    return decision


def rule_write(*, db: Session, actor: Principal, exercise: Exercise, body: RuleWrite, now: datetime) -> WrittenRule:
    """Hand in (or rewrite) the trainee's rule for a rule-writing exercise; it must compile as a risk rule."""
    if exercise.kind != "rule":
        raise Conflict([Problem("training.not_rule_exercise", "", {"exercise": exercise.id})])
    _open_exercise(exercise)
    rulewriting.rule_compile(body.expression)
    attempt = attempt_start(db=db, actor=actor, exercise=exercise, now=now)
    if attempt.finished_at is not None:
        raise Conflict([Problem("training.attempt_finished", "", {"exercise": exercise.id})])
    written = db.get(WrittenRule, attempt.id)
    if written is None:
        written = WrittenRule(attempt_id=attempt.id, expression=body.expression, written_at=now)
        db.add(written)
    else:
        written.expression, written.written_at = body.expression, now
    db.flush()
    return written


def attempt_finish(*, db: Session, actor: Principal, exercise: Exercise, now: datetime) -> Attempt:
    """The trainee hands in: undecided declarations count as cleared, and the truth is shown."""
    attempt = db.scalar(select(Attempt).where(Attempt.exercise_id == exercise.id, Attempt.trainee == actor.username))
    if attempt is None:
        raise Conflict([Problem("training.attempt_not_started", "", {"exercise": exercise.id})])
    if attempt.finished_at is None:
        attempt.finished_at = now
        db.flush()
        certification.certificates_award(db=db, holder=attempt.trainee, now=now,
                                         scores=lambda e, a: results.score_of(db, e, a))
    return attempt
