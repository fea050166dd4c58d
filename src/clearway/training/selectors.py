"""Training reads of the world and its exercises: worlds, exercises and their queues, a declaration with its
papers, holds or reference prices, a rule's test-run; what other domains may read. Scores and reports are in
`results`.

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
from clearway.training.schemas import (
    CheckPointRead,
    ExerciseRead,
    ItemDetail,
    ItemRead,
    ReferencePrice,
    RuleTestRun,
    TruthRead,
    WorldRead,
)

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


def exercise_rows(db: Session, exercise: Exercise) -> list[tuple[ExerciseItem, TrainingCase]]:
    """The exercise's items with their cases, in queue order."""
    return [(i, c) for i, c in db.execute(
        select(ExerciseItem, TrainingCase).join(TrainingCase, TrainingCase.id == ExerciseItem.case_id)
        .where(ExerciseItem.exercise_id == exercise.id).order_by(ExerciseItem.position)).tuples()]


def attempt_of(db: Session, exercise: Exercise, trainee: str) -> Attempt | None:
    """The trainee's attempt at the exercise, if started."""
    return db.scalar(select(Attempt).where(Attempt.exercise_id == exercise.id, Attempt.trainee == trainee))


def decisions_of(db: Session, attempt: Attempt | None) -> dict[int, Decision]:
    """The attempt's decisions by item (none before it starts)."""
    if attempt is None:
        return {}
    return {d.item_id: d for d in db.scalars(select(Decision).where(Decision.attempt_id == attempt.id))}


def exercise_read(db: Session, exercise: Exercise, *, trainee: str | None = None, instructor: bool = False,
                  with_items: bool = True) -> ExerciseRead:
    """An exercise with its queue: the truth for instructors, or for a trainee who has finished."""
    world = db.get(TrainingWorld, exercise.world_id)
    rows = exercise_rows(db, exercise) if with_items else []
    attempt = attempt_of(db, exercise, trainee) if trainee else None
    decisions = decisions_of(db, attempt)
    reveal = instructor or (attempt is not None and attempt.finished_at is not None)
    size = len(rows) if with_items else int(db.scalar(select(func.count()).select_from(ExerciseItem).where(
        ExerciseItem.exercise_id == exercise.id)) or 0)
    return ExerciseRead(id=exercise.id, cohort=world.cohort if world else "", title=exercise.title,
                        titles=exercise.titles or {}, budget=exercise.budget, status=exercise.status,
                        kind=exercise.kind, level=exercise.level,
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
        marked = marks_of(db, attempt).get(item.id, set())
        papers = documentary.papers(case.document, checked)
        points = [CheckPointRead(key=p.key, document=p.document, field=p.field, line=p.line, declared=p.declared,
                                 shown=p.shown, marked=p.key in marked, discrepant=p.discrepant if reveal else None)
                  for p in checked]
    return ItemDetail(**_item(item, case, decisions_of(db, attempt).get(item.id), reveal, exercise.kind),
                      document=document, reference_prices=prices, papers=papers, check_points=points,
                      holds=holds)


def points_of(exercise: Exercise, item: ExerciseItem, case: TrainingCase) -> list[documentary.CheckPoint]:
    """The check points of an item's papers in a documentary check (the item seeds its planted slips)."""
    return documentary.check_points(case.document, case.truth, salt=item.id, level=exercise.level)


def marks_of(db: Session, attempt: Attempt | None) -> dict[int, set[str]]:
    """The check points the attempt marked, by item (documentary checks)."""
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


def rule_selects(db: Session, exercise: Exercise, expression: str,
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
    rows = exercise_rows(db, exercise)
    return RuleTestRun(expression=expression, evaluated=len(rows),
                       selected=sum(rule_selects(db, exercise, expression, rows)))


def written_rule(db: Session, attempt: Attempt | None) -> str | None:
    """The rule the trainee last wrote for the exercise, if any."""
    written = db.get(WrittenRule, attempt.id) if attempt is not None else None
    return written.expression if written is not None else None
