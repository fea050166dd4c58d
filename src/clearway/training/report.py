"""The supervisor's monthly report of an office, and each officer's field hit rate next to its detection score.

The field hit rate is the share of the officer's real finished controls that found fraud (projected declarations
left out): the screening literature's check that a projection score tracks real work. Months are UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from clearway.auth.models import User
from clearway.auth.schemas import Principal
from clearway.controls.models import ControlTask
from clearway.declarations.exercises import EXERCISE_DECLARANTS
from clearway.declarations.models import Declaration
from clearway.errors import Forbidden, Problem, ValidationFailed
from clearway.training.models import Attempt, Certificate, Exercise, Projection
from clearway.training.schemas import MonthlyReport, MonthlyRow, OfficerScore, ScoreRead
from clearway.training.scoring import counted, split_half, wilson


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next, UTC."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def field_rates(db: Session, officers: Iterable[str], start: datetime | None = None, end: datetime | None = None
                ) -> dict[str, tuple[int, int]]:
    """(real controls finished, of which found fraud) per officer, in the period if given."""
    names = list(officers)
    if not names:
        return {}
    query = (select(ControlTask.assignee, func.count(), func.sum(case((ControlTask.fraud_found.is_(True), 1), else_=0)))
             .join(Declaration, Declaration.id == ControlTask.declaration_id)
             .where(ControlTask.assignee.in_(names), ControlTask.finished_at.is_not(None),
                    ControlTask.fraud_found.is_not(None), Declaration.declarant_id.not_in(EXERCISE_DECLARANTS))
             .group_by(ControlTask.assignee))
    if start is not None:
        query = query.where(ControlTask.finished_at >= start)
    if end is not None:
        query = query.where(ControlTask.finished_at < end)
    return {str(name): (int(n), int(hits or 0)) for name, n, hits in db.execute(query).tuples()}


def with_field(score: OfficerScore, field: tuple[int, int]) -> OfficerScore:
    """The score with the officer's field hit rate and its Wilson interval."""
    controls, hits = field
    return score.model_copy(update={"field_controls": controls, "field_hits": hits,
                                    "field_hit_rate": hits / controls if controls else None,
                                    "field_hit_rate_ci": wilson(hits, controls)})


def _score(name: str, rows: list[Projection]) -> OfficerScore:
    c = counted([p.outcome for p in rows if p.outcome])
    return OfficerScore(officer=name, projected=len(rows), decided=sum(p.outcome is not None for p in rows),
                        hits=c.hits, misses=c.misses, false_alarms=c.false_alarms,
                        detection=c.hits / c.frauds if c.frauds else None, detection_ci=wilson(c.hits, c.frauds))


def monthly_report(db: Session, *, office: str, month: date,
                   score_of: Callable[[Session, Exercise, Attempt], ScoreRead]) -> MonthlyReport:
    """The office's month: each officer's projections decided, field controls, exercises and certificates."""
    start, end = month_bounds(month)
    decided = list(db.scalars(select(Projection).where(Projection.office == office, Projection.decided_at >= start,
                                                       Projection.decided_at < end).order_by(Projection.id)))
    staff = set(db.scalars(select(User.username).where(User.role == "officer", User.office == office)))
    names = sorted(staff | {p.officer for p in decided})
    field = field_rates(db, names, start, end)
    attempts = db.execute(select(Exercise, Attempt).join(Attempt, Attempt.exercise_id == Exercise.id).where(
        Attempt.trainee.in_(names), Attempt.finished_at >= start, Attempt.finished_at < end)).tuples().all()
    certificates = db.execute(select(Certificate.holder, Certificate.role, Certificate.level).where(
        Certificate.holder.in_(names), Certificate.awarded_at >= start, Certificate.awarded_at < end)
        .order_by(Certificate.role, Certificate.level)).tuples().all()
    rows = []
    for name in names:
        mine = [p for p in decided if p.officer == name]
        scores = [score_of(db, e, a) for e, a in attempts if a.trainee == name]
        planted = sum(s.hits + s.misses for s in scores)
        rows.append(MonthlyRow(**with_field(_score(name, mine), field.get(name, (0, 0))).model_dump(),
                               exercises_finished=len(scores),
                               exercise_hit_rate=sum(s.hits for s in scores) / planted if planted else None,
                               certificates_awarded=[f"{r} {lv}" for h, r, lv in certificates if h == name]))
    totals = (sum(v[0] for v in field.values()), sum(v[1] for v in field.values()))
    detections = [[int(p.outcome == "hit") for p in decided if p.officer == n and p.outcome in ("hit", "miss")]
                  for n in names]
    return MonthlyReport(office=office, month=f"{month:%Y-%m}", officers=rows,
                         total=with_field(_score(office, decided), totals),
                         reliability=split_half([d for d in detections if d]) if len(detections) >= 3 else None)


def report_access(actor: Principal, office: str) -> None:
    """A supervisor reads its own office's report; an administrator any office's (403 otherwise)."""
    if actor.role != "admin" and actor.office != office:
        raise Forbidden([Problem("training.office_not_yours", "/office", {"office": office})])


def month_of(text: str) -> date:
    """The month named `YYYY-MM` (422 training.month_invalid otherwise)."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValidationFailed([Problem("training.month_invalid", "/month", {"month": text[:16]})]) from None
