"""Training results, the reads of scores and reports: an attempt scored against the truth (per declaration, per
check point, or by a written rule's selections), every trainee's scores on an exercise and a trainee's on every
exercise, the items most often missed, projections and each officer's detection score. The arithmetic is in
`scoring`; the world and exercise reads these build on are in `selectors`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.training import documentary
from clearway.training.models import Attempt, Decision, Exercise, ExerciseItem, Projection, TrainingCase, WrittenRule
from clearway.training.report import field_rates, with_field
from clearway.training.schemas import OfficerScore, OfficerScores, ProjectionRead, ScoreRead
from clearway.training.scoring import counted, d_prime, outcome_of, split_half, wilson
from clearway.training.selectors import (
    decisions_of,
    exercise_rows,
    is_fraud,
    marks_of,
    points_of,
    rule_selects,
    true_hs,
    written_rule,
)


def score_of(db: Session, exercise: Exercise, attempt: Attempt) -> ScoreRead:
    """The attempt scored against the truth: undecided counts as cleared; time from start to finish."""
    rows = exercise_rows(db, exercise)
    decisions = decisions_of(db, attempt)
    if exercise.kind == "documentary":
        return _papers_score(db, exercise, attempt, rows, decisions)
    if exercise.kind == "rule":
        return _rule_score(db, exercise, attempt, rows)
    outcomes, named, found, missed_value, missed = [], 0, Decimal(0), Decimal(0), []
    for item, case in rows:
        decision = decisions.get(item.id)
        flagged = decision is not None and decision.decision == "flag"
        outcome = outcome_of(is_fraud(exercise.kind, case), flagged)
        outcomes.append(outcome)
        impact = Decimal(str(case.truth.get("revenue_impact", "0")))
        if outcome == "hit":
            found += impact
            named += decision is not None and decision.suspected == case.fraud_kind
        elif outcome == "miss":
            missed_value += impact
            missed.append(case.reference)
    c = counted(outcomes)
    decided = [d for d in decisions.values() if d.decided_at is not None]
    end = attempt.finished_at or max((d.decided_at for d in decided if d.decided_at), default=None)
    spent = [(d.decided_at - d.opened_at).total_seconds() for d in decided if d.decided_at]
    ci = wilson(c.hits, c.frauds)
    given = [(decisions[i.id].answer, true_hs(case)) for i, case in rows
             if i.id in decisions and decisions[i.id].answer]
    right = sum(answer == truth for answer, truth in given)
    heading = sum(bool(truth) and str(answer)[:4] == str(truth)[:4] for answer, truth in given)
    return ScoreRead(
        exercise_id=exercise.id, kind=exercise.kind, trainee=attempt.trainee,
        classified=len(given), classified_right=right, heading_right=heading,
        accuracy=right / len(rows) if exercise.kind == "classification" and rows else None,
        finished=attempt.finished_at is not None,
        decided=len(decided), size=len(rows), hits=c.hits, misses=c.misses, false_alarms=c.false_alarms,
        correct_rejections=c.correct_rejections, kinds_named=int(named),
        hit_rate=c.hits / c.frauds if c.frauds else None, hit_rate_ci=ci,
        false_alarm_rate=c.false_alarms / c.compliant if c.compliant else None, d_prime=d_prime(c),
        revenue_found=str(found), revenue_missed=str(missed_value),
        seconds=(end - attempt.started_at).total_seconds() if end else None,
        seconds_per_decision=sum(spent) / len(spent) if spent else None,
        missed=missed if attempt.finished_at is not None else [])


def _timing(attempt: Attempt, decisions: dict[int, Decision]) -> tuple[float | None, float | None]:
    """Seconds from start to finish (or the last decision), and the mean seconds per decision."""
    decided = [d for d in decisions.values() if d.decided_at is not None]
    end = attempt.finished_at or max((d.decided_at for d in decided if d.decided_at), default=None)
    spent = [(d.decided_at - d.opened_at).total_seconds() for d in decided if d.decided_at]
    return ((end - attempt.started_at).total_seconds() if end else None,
            sum(spent) / len(spent) if spent else None)


def _papers_score(db: Session, exercise: Exercise, attempt: Attempt, rows: list[tuple[ExerciseItem, TrainingCase]],
                  decisions: dict[int, Decision]) -> ScoreRead:
    """A documentary check scored per check point: a marked discrepancy is a hit, an unmarked one a miss, a
    marked point that agrees a false mark (false alarm); unmarked agreeing points are correct rejections."""
    marks = marks_of(db, attempt)
    outcomes, missed, found_value, missed_value = [], [], Decimal(0), Decimal(0)
    for item, case in rows:
        points = points_of(exercise, item, case)
        truth, marked = documentary.discrepancies(points), marks.get(item.id, set())
        outcomes += [outcome_of(p.key in truth, p.key in marked) for p in points]
        missed += [f"{case.reference} {key}" for key in sorted(truth - marked)]
        if case.fraud_kind is not None and truth:
            impact = Decimal(str(case.truth.get("revenue_impact", "0")))
            if truth & marked:
                found_value += impact
            else:
                missed_value += impact
    c = counted(outcomes)
    seconds, per_decision = _timing(attempt, decisions)
    marked_count = c.hits + c.false_alarms
    return ScoreRead(
        exercise_id=exercise.id, kind=exercise.kind, trainee=attempt.trainee, finished=attempt.finished_at is not None,
        decided=sum(d.decided_at is not None for d in decisions.values()), size=len(rows), hits=c.hits,
        misses=c.misses, false_alarms=c.false_alarms, correct_rejections=c.correct_rejections, kinds_named=0,
        hit_rate=c.hits / c.frauds if c.frauds else None, hit_rate_ci=wilson(c.hits, c.frauds),
        false_alarm_rate=c.false_alarms / c.compliant if c.compliant else None, d_prime=d_prime(c),
        revenue_found=str(found_value), revenue_missed=str(missed_value), seconds=seconds,
        seconds_per_decision=per_decision, missed=missed if attempt.finished_at is not None else [],
        discrepancies=c.frauds, found=c.hits, false_marks=c.false_alarms,
        recall=c.hits / c.frauds if c.frauds else None,
        precision=c.hits / marked_count if marked_count else None)


def _rule_score(db: Session, exercise: Exercise, attempt: Attempt,
                rows: list[tuple[ExerciseItem, TrainingCase]]) -> ScoreRead:
    """A written rule scored on the ground truth: a selected fraud is a hit, a selected compliant declaration a
    false alarm; precision and recall as an analyst would read a test-run."""
    expression = written_rule(db, attempt)
    selected = rule_selects(db, exercise, expression, rows) if expression else [False] * len(rows)
    outcomes, found, missed_value, missed = [], Decimal(0), Decimal(0), []
    for (_, case), hit in zip(rows, selected, strict=True):
        outcome = outcome_of(case.fraud_kind is not None, hit)
        outcomes.append(outcome)
        impact = Decimal(str(case.truth.get("revenue_impact", "0")))
        if outcome == "hit":
            found += impact
        elif outcome == "miss":
            missed_value += impact
            missed.append(case.reference)
    c = counted(outcomes)
    end = attempt.finished_at or (db.get(WrittenRule, attempt.id).written_at if expression else None)  # type: ignore[union-attr]
    chosen = c.hits + c.false_alarms
    return ScoreRead(
        exercise_id=exercise.id, kind=exercise.kind, trainee=attempt.trainee, finished=attempt.finished_at is not None,
        decided=int(expression is not None), size=len(rows), hits=c.hits, misses=c.misses,
        false_alarms=c.false_alarms, correct_rejections=c.correct_rejections, kinds_named=0,
        hit_rate=c.hits / c.frauds if c.frauds else None, hit_rate_ci=wilson(c.hits, c.frauds),
        false_alarm_rate=c.false_alarms / c.compliant if c.compliant else None, d_prime=d_prime(c),
        revenue_found=str(found), revenue_missed=str(missed_value),
        seconds=(end - attempt.started_at).total_seconds() if end else None, seconds_per_decision=None,
        missed=missed if attempt.finished_at is not None else [],
        recall=c.hits / c.frauds if c.frauds else None, precision=c.hits / chosen if chosen else None,
        expression=expression)


def exercise_report(db: Session, exercise: Exercise, trainee: str | None = None) -> list[ScoreRead]:
    """Every trainee's score on the exercise (or one trainee's)."""
    query = select(Attempt).where(Attempt.exercise_id == exercise.id).order_by(Attempt.trainee)
    if trainee is not None:
        query = query.where(Attempt.trainee == trainee)
    return [score_of(db, exercise, a) for a in db.scalars(query)]


def most_missed(report: list[ScoreRead], limit: int = 5) -> list[tuple[str, int]]:
    """The frauds most trainees missed (handed-in attempts), most missed first: what to teach again."""
    counts: dict[str, int] = {}
    for score in report:
        for reference in score.missed:
            counts[reference] = counts.get(reference, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def trainee_report(db: Session, trainee: str) -> list[ScoreRead]:
    """A trainee's scores on every exercise attempted."""
    attempts = db.execute(select(Attempt, Exercise).join(Exercise, Exercise.id == Attempt.exercise_id)
                          .where(Attempt.trainee == trainee).order_by(Exercise.id)).tuples().all()
    return [score_of(db, e, a) for a, e in attempts]


def projection_read(p: Projection) -> ProjectionRead:
    """A projection; the planted fraud is told only once the officer has decided."""
    return ProjectionRead(id=p.id, mrn=p.mrn, case_reference=p.case_reference, officer=p.officer, office=p.office,
                          projected_by=p.projected_by, projected_at=p.projected_at, decided_at=p.decided_at,
                          decision=p.decision, outcome=p.outcome,
                          fraud_kind=p.fraud_kind if p.decided_at is not None else None)


def projections_list(db: Session, officer: str | None = None, limit: int = 200) -> list[ProjectionRead]:
    """Projections, newest first (of one officer, or all)."""
    query = select(Projection).order_by(Projection.id.desc()).limit(limit)
    if officer is not None:
        query = query.where(Projection.officer == officer)
    return [projection_read(p) for p in db.scalars(query)]


def officer_scores(db: Session, officer: str | None = None) -> OfficerScores:
    """Each officer's detection score on projected threats (hits over decided frauds) with its Wilson interval,
    and the split-half reliability of those scores across officers."""
    query = select(Projection).order_by(Projection.officer, Projection.id)
    if officer is not None:
        query = query.where(Projection.officer == officer)
    by_officer: dict[str, list[Projection]] = {}
    for p in db.scalars(query):
        by_officer.setdefault(p.officer, []).append(p)
    items, detections = [], []
    field = field_rates(db, by_officer)
    for name, rows in by_officer.items():
        c = counted([p.outcome for p in rows if p.outcome])
        items.append(with_field(OfficerScore(
            officer=name, projected=len(rows), decided=sum(p.outcome is not None for p in rows), hits=c.hits,
            misses=c.misses, false_alarms=c.false_alarms, detection=c.hits / c.frauds if c.frauds else None,
            detection_ci=wilson(c.hits, c.frauds)), field.get(name, (0, 0))))
        detections.append([int(p.outcome == "hit") for p in rows if p.outcome in ("hit", "miss")])
    return OfficerScores(items=items, reliability=split_half(detections) if len(detections) >= 3 else None)
