"""Training reads: worlds, exercises and their queues, scores against the truth; what other domains may read.

Domains below training (risk, performance) leave projected declarations out through
`declarations.exercises`, which names the organisation every projection is lodged by.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.declarations.exercises import EXERCISE_DECLARANT, EXERCISE_DECLARANTS, PROJECTION_DECLARANTS
from clearway.errors import NotFound, Problem
from clearway.training import documentary, release, rulewriting
from clearway.training.models import (
    Attempt,
    Decision,
    Exercise,
    ExerciseItem,
    Mark,
    Projection,
    TrainingCase,
    TrainingWorld,
    WrittenRule,
)
from clearway.training.report import field_rates, with_field
from clearway.training.schemas import (
    CheckPointRead,
    ExerciseRead,
    ItemDetail,
    ItemRead,
    OfficerScore,
    OfficerScores,
    ProjectionRead,
    ReferencePrice,
    RuleTestRun,
    ScoreRead,
    TruthRead,
    WorldRead,
)
from clearway.training.scoring import counted, d_prime, outcome_of, split_half, wilson

TRAINING_DECLARANT = EXERCISE_DECLARANT  # the training organisation: no real trader
TRAINING_DECLARANTS = EXERCISE_DECLARANTS  # every code an exercise declaration may be lodged under
PROJECTION_CODES = PROJECTION_DECLARANTS  # what projections into the live queue are lodged under, in turn


def projected_ids(db: Session, declaration_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of projected (test) declarations, of those given or all."""
    query = select(Projection.declaration_id)
    if declaration_ids is not None:
        query = query.where(Projection.declaration_id.in_(list(declaration_ids)))
    return set(db.scalars(query))


def worlds_list(db: Session) -> list[WorldRead]:
    """Every cohort's world with its number of planted frauds."""
    frauds = dict(db.execute(select(TrainingCase.world_id, func.count()).where(TrainingCase.fraud_kind.is_not(None))
                             .group_by(TrainingCase.world_id)).tuples().all())
    return [WorldRead(cohort=w.cohort, seed=w.seed, days=w.days, per_day=w.per_day, case_count=w.case_count,
                      fraud_count=int(frauds.get(w.id, 0)), created_at=w.created_at, reset_at=w.reset_at)
            for w in db.scalars(select(TrainingWorld).order_by(TrainingWorld.cohort))]


def exercise_get(db: Session, exercise_id: int) -> Exercise:
    """An exercise, else 404."""
    exercise = db.get(Exercise, exercise_id)
    if exercise is None:
        raise NotFound([Problem("training.exercise_not_found", "", {"exercise": exercise_id})])
    return exercise


def is_fraud(kind: str, case: TrainingCase) -> bool:
    """Whether the case is what the exercise asks to find: any planted fraud, under-invoicing for valuation, or
    goods that must stay held for a release exercise."""
    if kind == "release":
        return release.must_hold(case)
    return case.fraud_kind == "undervaluation" if kind == "valuation" else case.fraud_kind is not None


def true_hs(case: TrainingCase) -> str | None:
    """The true subheading of the case's first line (what a classification exercise asks)."""
    lines = case.truth.get("items") or []
    return str(lines[0].get("hs_code")) if lines else None


def truth_read(case: TrainingCase, kind: str = "targeting") -> TruthRead:
    """The case's ground truth."""
    return TruthRead(fraud=case.fraud_kind is not None, fraud_kind=case.fraud_kind,
                     revenue_impact=str(case.truth.get("revenue_impact", "0")), concealed=case.truth.get("concealed"),
                     hs_code=true_hs(case) if kind == "classification" else None,
                     holding=release.blocking(release.hold_state(case)) if kind == "release" else None)


def _party_name(party: Any) -> str:
    return str(party.get("name") or "") if isinstance(party, dict) else ""


def _item(item: ExerciseItem, case: TrainingCase, decision: Decision | None, reveal: bool,
          kind: str = "targeting") -> dict[str, Any]:
    doc = case.document
    return dict(id=item.id, position=item.position, reference=case.reference, lodged_at=case.lodged_at,
                declarant=case.declarant, declarant_name=_party_name(doc.get("declarant")),
                office=str(doc.get("office", "")), currency=str(doc.get("currency", "")),
                invoice_total=str(doc.get("invoice_total", "")), item_count=len(doc.get("items", [])),
                decision=decision.decision if decision else None, suspected=decision.suspected if decision else None,
                answer=decision.answer if decision else None, truth=truth_read(case, kind) if reveal else None)


def _rows(db: Session, exercise: Exercise) -> list[tuple[ExerciseItem, TrainingCase]]:
    return [(i, c) for i, c in db.execute(
        select(ExerciseItem, TrainingCase).join(TrainingCase, TrainingCase.id == ExerciseItem.case_id)
        .where(ExerciseItem.exercise_id == exercise.id).order_by(ExerciseItem.position)).tuples()]


def attempt_of(db: Session, exercise: Exercise, trainee: str) -> Attempt | None:
    """The trainee's attempt at the exercise, if started."""
    return db.scalar(select(Attempt).where(Attempt.exercise_id == exercise.id, Attempt.trainee == trainee))


def _decisions(db: Session, attempt: Attempt | None) -> dict[int, Decision]:
    if attempt is None:
        return {}
    return {d.item_id: d for d in db.scalars(select(Decision).where(Decision.attempt_id == attempt.id))}


def exercise_read(db: Session, exercise: Exercise, *, trainee: str | None = None, instructor: bool = False,
                  with_items: bool = True) -> ExerciseRead:
    """An exercise with its queue: the truth for instructors, or for a trainee who has finished."""
    world = db.get(TrainingWorld, exercise.world_id)
    rows = _rows(db, exercise) if with_items else []
    attempt = attempt_of(db, exercise, trainee) if trainee else None
    decisions = _decisions(db, attempt)
    reveal = instructor or (attempt is not None and attempt.finished_at is not None)
    size = len(rows) if with_items else int(db.scalar(select(func.count()).select_from(ExerciseItem).where(
        ExerciseItem.exercise_id == exercise.id)) or 0)
    return ExerciseRead(id=exercise.id, cohort=world.cohort if world else "", title=exercise.title,
                        budget=exercise.budget, status=exercise.status, kind=exercise.kind, level=exercise.level,
                        created_by=exercise.created_by,
                        created_at=exercise.created_at, size=size,
                        items=[ItemRead(**_item(i, c, decisions.get(i.id), reveal, exercise.kind)) for i, c in rows])


def exercises_list(db: Session, *, open_only: bool) -> list[ExerciseRead]:
    """Exercises, newest first (trainees see the open ones)."""
    query = select(Exercise).order_by(Exercise.id.desc())
    if open_only:
        query = query.where(Exercise.status == "open")
    return [exercise_read(db, e, with_items=False) for e in db.scalars(query)]


def item_detail(db: Session, exercise: Exercise, item_id: int, trainee: str) -> ItemDetail:
    """One declaration of the queue with its whole document (the truth once the attempt is finished)."""
    item = db.get(ExerciseItem, item_id)
    if item is None or item.exercise_id != exercise.id:
        raise NotFound([Problem("training.item_not_found", "", {"item": item_id})])
    case = db.get(TrainingCase, item.case_id)
    assert case is not None
    attempt = attempt_of(db, exercise, trainee)
    reveal = attempt is not None and attempt.finished_at is not None
    prices = reference_prices(db, case) if exercise.kind == "valuation" else []
    holds = release.hold_state(case) if exercise.kind == "release" else None
    document = case.document
    if exercise.kind == "classification":  # the trainee classifies from the description: the codes are hidden
        document = {**document, "items": [{k: v for k, v in line.items() if k != "hs_code"}
                                          for line in document.get("items", [])[:1]]}
    papers, points = None, []
    if exercise.kind == "documentary":
        checked = points_of(exercise, item, case)
        marked = _marks(db, attempt).get(item.id, set())
        papers = documentary.papers(case.document, checked)
        points = [CheckPointRead(key=p.key, document=p.document, field=p.field, line=p.line, declared=p.declared,
                                 shown=p.shown, marked=p.key in marked, discrepant=p.discrepant if reveal else None)
                  for p in checked]
    return ItemDetail(**_item(item, case, _decisions(db, attempt).get(item.id), reveal, exercise.kind),
                      document=document, reference_prices=prices, papers=papers, check_points=points,
                      holds=holds)


def points_of(exercise: Exercise, item: ExerciseItem, case: TrainingCase) -> list[documentary.CheckPoint]:
    """The check points of an item's papers in a documentary check (the item seeds its planted slips)."""
    return documentary.check_points(case.document, case.truth, salt=item.id, level=exercise.level)


def _marks(db: Session, attempt: Attempt | None) -> dict[int, set[str]]:
    if attempt is None:
        return {}
    marks: dict[int, set[str]] = {}
    for item_id, point in db.execute(select(Mark.item_id, Mark.point).where(Mark.attempt_id == attempt.id)):
        marks.setdefault(item_id, set()).add(point)
    return marks


REFERENCE_SAMPLE = 5000  # compliant declarations read for reference prices (the most recent)


def reference_prices(db: Session, case: TrainingCase) -> list[ReferencePrice]:
    """Median and quartiles of the declared value per kilogram, per HS code of the case, over the training
    world's compliant declarations in the same currency (the case itself left out)."""
    currency = str(case.document.get("currency", ""))
    wanted = sorted({str(line.get("hs_code")) for line in case.document.get("items", [])})
    per_kg: dict[str, list[Decimal]] = {}  # by HS subheading and by heading (the fallback when goods are rare)
    documents = db.scalars(select(TrainingCase.document).where(
        TrainingCase.world_id == case.world_id, TrainingCase.fraud_kind.is_(None), TrainingCase.id != case.id)
        .order_by(TrainingCase.id.desc()).limit(REFERENCE_SAMPLE))
    headings = {code[:4] for code in wanted}
    for document in documents:
        if str(document.get("currency", "")) != currency:
            continue
        for line in document.get("items", []):
            code, mass = str(line.get("hs_code")), Decimal(str(line.get("net_mass_kg") or 0))
            if code[:4] in headings and mass > 0:
                value = Decimal(str(line.get("value") or 0)) / mass
                per_kg.setdefault(code, []).append(value)
                per_kg.setdefault(code[:4], []).append(value)
    found = []
    for code in wanted:
        key = code if per_kg.get(code) else code[:4]
        values = sorted(per_kg.get(key, []))
        if not values:
            continue
        q = [values[min(len(values) - 1, int(len(values) * f))] for f in (0.25, 0.5, 0.75)]
        found.append(ReferencePrice(hs_code=key, currency=currency, low=f"{q[0]:.2f}", per_kg=f"{q[1]:.2f}",
                                    high=f"{q[2]:.2f}", declarations=len(values)))
    return found


def score_of(db: Session, exercise: Exercise, attempt: Attempt) -> ScoreRead:
    """The attempt scored against the truth: undecided counts as cleared; time from start to finish."""
    rows = _rows(db, exercise)
    decisions = _decisions(db, attempt)
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
    marks = _marks(db, attempt)
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


def _rule_selects(db: Session, exercise: Exercise, expression: str,
                  rows: list[tuple[ExerciseItem, TrainingCase]]) -> list[bool]:
    """Whether the rule selects each case, with the world's compliant declarations as reference prices."""
    compiled = rulewriting.rule_compile(expression)
    knowledge = None
    if any(f.startswith(("ref.", "item.uv_ratio")) for f in compiled.fields):
        documents = db.scalars(select(TrainingCase.document).where(
            TrainingCase.world_id == exercise.world_id, TrainingCase.fraud_kind.is_(None))
            .order_by(TrainingCase.id.desc()).limit(REFERENCE_SAMPLE))
        knowledge = rulewriting.Knowledge(references=rulewriting.references_of(documents))
    return [rulewriting.rule_hits(compiled, case, knowledge) for _, case in rows]


def rule_test_run(db: Session, exercise: Exercise, expression: str) -> RuleTestRun:
    """The rule run on the exercise's declarations: how many it selects, not which were frauds."""
    rows = _rows(db, exercise)
    return RuleTestRun(expression=expression, evaluated=len(rows),
                       selected=sum(_rule_selects(db, exercise, expression, rows)))


def written_rule(db: Session, attempt: Attempt | None) -> str | None:
    """The rule the trainee last wrote for the exercise, if any."""
    written = db.get(WrittenRule, attempt.id) if attempt is not None else None
    return written.expression if written is not None else None


def _rule_score(db: Session, exercise: Exercise, attempt: Attempt,
                rows: list[tuple[ExerciseItem, TrainingCase]]) -> ScoreRead:
    """A written rule scored on the ground truth: a selected fraud is a hit, a selected compliant declaration a
    false alarm; precision and recall as an analyst would read a test-run."""
    expression = written_rule(db, attempt)
    selected = _rule_selects(db, exercise, expression, rows) if expression else [False] * len(rows)
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
