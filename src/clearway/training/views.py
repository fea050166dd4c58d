"""Training pages: the instructor's dashboard (worlds, exercises, projections and detection scores), the trainee's
queue, a declaration to inspect and decide, and each trainee's scores. Every page says it is the training world.
Forms post their CSRF token and call the same services as the API inside one transaction."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from clearway.db import utcnow
from clearway.deps import CurrentAdmin, DbSession
from clearway.errors import Problem, ValidationFailed
from clearway.synthetic.records import FRAUD_KINDS
from clearway.training import certification, injection, projection, report, results, selectors, service
from clearway.training.access import Learner, Staff, Trainee, instructor_check, is_instructor, is_trainee
from clearway.training.competence import KINDS, competence_table
from clearway.training.schemas import (
    DecisionCreate,
    ExerciseCreate,
    GateSet,
    InjectionSet,
    OfficerScore,
    ProjectionCreate,
    RuleWrite,
)
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, actor: Any, **context: Any) -> Response:
    return render(request, template, user=actor, nav="training", kinds=FRAUD_KINDS,
                  training_party=selectors.TRAINING_DECLARANT, **context)


def _checked(model: Any, data: dict[str, Any]) -> Any:
    """A form parsed by the API's model; its errors as the same coded 422 problems."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed([Problem("field.invalid", "/" + "/".join(str(p) for p in e["loc"]), {})
                                for e in exc.errors()]) from None


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 7 else None


@router.get("/training")
def home(request: Request, db: DbSession, actor: Learner) -> Response:
    """Instructors: worlds, exercises, projections and scores; officers: open exercises and their own scores."""
    with db.begin():
        instructor = is_instructor(db, actor)
        if instructor:
            projection.projections_sync(db=db, now=utcnow())
        context: dict[str, Any] = dict(
            instructor=instructor, exercises=selectors.exercises_list(db, open_only=not instructor),
            worlds=selectors.worlds_list(db) if instructor else [],
            projections=results.projections_list(db, limit=50) if instructor else [],
            scores=results.officer_scores(db) if instructor else None,
            competences=competence_table(db) if instructor else [], competence_kinds=KINDS,
            mine=results.trainee_report(db, actor.username) if is_trainee(actor) else [],
            own=results.officer_scores(db, officer=actor.username).items if is_trainee(actor) else [],
            certificates=certification.certificates_of(db, actor.username), this_month=f"{utcnow():%Y-%m}",
            gates={g.action: g for g in certification.gates_list(db)} if instructor else {},
            gate_actions=certification.ACTIONS,
            rates=injection.rates_list(db) if instructor else [],
            field=report.with_field(OfficerScore(officer=actor.username, projected=0, decided=0, hits=0,
                                                           misses=0, false_alarms=0, detection=None,
                                                           detection_ci=None),
                                    report.field_rates(db, [actor.username]).get(actor.username, (0, 0)))
            if is_trainee(actor) else None)
    return _page(request, "training/home.html", actor, **context)


@router.post("/training/exercises")
def exercise_form(request: Request, db: DbSession, actor: Staff, form: CheckedForm) -> Response:
    """Define an exercise as a sample of a cohort's world and go to it."""
    body = _checked(ExerciseCreate, {"cohort": str(form.get("cohort") or "")[:64],
                                     "title": str(form.get("title") or "")[:200], "budget": _int(form.get("budget")),
                                     # the title as written is the page's language; the others where given
                                     "titles": {page_locale(request): str(form.get("title") or "")[:200]} | {
                                         other: str(form.get(f"title_{other}"))[:200] for other in ("en", "es", "fr")
                                         if str(form.get(f"title_{other}") or "").strip()},
                                     "size": _int(form.get("size")), "frauds": _int(form.get("frauds")) or 0,
                                     "kind": str(form.get("kind") or "targeting")[:16],
                                     "level": _int(form.get("level")) or 1})
    with db.begin():
        instructor_check(db, actor)
        exercise_id = service.exercise_create(db=db, actor=actor, body=body, now=utcnow()).id
    return RedirectResponse(f"/training/exercises/{exercise_id}", status_code=303)


@router.get("/training/exercises/{exercise_id}")
def exercise_page(request: Request, db: DbSession, actor: Learner, exercise_id: int) -> Response:
    """An officer's queue for the exercise; instructors also see every trainee's score and the answer key."""
    with db.begin():
        exercise = selectors.exercise_get(db, exercise_id)
        instructor = is_instructor(db, actor)
        queue = selectors.exercise_read(db, exercise, trainee=actor.username) if is_trainee(actor) else None
        attempt = selectors.attempt_of(db, exercise, actor.username)
        context: dict[str, Any] = dict(
            instructor=instructor, queue=queue, exercise=selectors.exercise_read(db, exercise, instructor=instructor),
            score=results.score_of(db, exercise, attempt) if attempt else None,
            report=results.exercise_report(db, exercise) if instructor else [],
            missed=results.most_missed(results.exercise_report(db, exercise)) if instructor else [],
            flagged=sum(i.decision == "flag" for i in queue.items) if queue else 0,
            rule=selectors.written_rule(db, attempt) if exercise.kind == "rule" else None, test_run=None)
        if context["rule"] and attempt is not None and attempt.finished_at is None:
            context["test_run"] = selectors.rule_test_run(db, exercise, context["rule"])
    return _page(request, "training/exercise.html", actor, **context)


@router.post("/training/exercises/{exercise_id}/items/{item_id}/open")
def item_open_form(request: Request, db: DbSession, actor: Trainee, form: CheckedForm, exercise_id: int,
                   item_id: int) -> Response:
    """Open a declaration for inspection (the clock of this decision starts) and show it."""
    with db.begin():
        service.item_open(db=db, actor=actor, exercise=selectors.exercise_get(db, exercise_id), item_id=item_id,
                          now=utcnow())
    return RedirectResponse(f"/training/exercises/{exercise_id}/items/{item_id}", status_code=303)


@router.get("/training/exercises/{exercise_id}/items/{item_id}")
def item_page(request: Request, db: DbSession, actor: Trainee, exercise_id: int, item_id: int) -> Response:
    """A declaration of the queue, its items and parties, and the decision form."""
    with db.begin():
        exercise = selectors.exercise_get(db, exercise_id)
        item = selectors.item_detail(db, exercise, item_id, actor.username)
        view = selectors.exercise_read(db, exercise, with_items=False)
    return _page(request, "training/item.html", actor, exercise=view, item=item)


@router.post("/training/exercises/{exercise_id}/items/{item_id}/decision")
def decision_form(request: Request, db: DbSession, actor: Trainee, form: CheckedForm, exercise_id: int,
                  item_id: int) -> Response:
    """Flag or clear the declaration and go back to the queue."""
    papers = form.get("papers") == "1"  # the documentary form: no mark at all means the papers agree
    body = _checked(DecisionCreate, {"decision": None if papers else str(form.get("decision") or "")[:8] or None,
                                     "suspected": str(form.get("suspected") or "")[:24] or None,
                                     "hs_code": str(form.get("hs_code") or "").strip()[:6] or None,
                                     "marks": [str(m)[:40] for m in form.getlist("mark")][:60] if papers else None})
    with db.begin():
        service.decision_record(db=db, actor=actor, exercise=selectors.exercise_get(db, exercise_id),
                                item_id=item_id, body=body, now=utcnow())
    return RedirectResponse(f"/training/exercises/{exercise_id}", status_code=303)


@router.post("/training/exercises/{exercise_id}/rule")
def rule_form(request: Request, db: DbSession, actor: Trainee, form: CheckedForm, exercise_id: int) -> Response:
    """Write the rule of a rule-writing exercise; its test-run shows on the exercise page."""
    body = _checked(RuleWrite, {"expression": str(form.get("expression") or "").replace("\r\n", "\n")[:2000]})
    with db.begin():
        service.rule_write(db=db, actor=actor, exercise=selectors.exercise_get(db, exercise_id), body=body,
                           now=utcnow())
    return RedirectResponse(f"/training/exercises/{exercise_id}#rule", status_code=303)


@router.post("/training/exercises/{exercise_id}/finish")
def finish_form(request: Request, db: DbSession, actor: Trainee, form: CheckedForm, exercise_id: int) -> Response:
    """Hand in the exercise: the score and the truth appear on its page."""
    with db.begin():
        exercise = selectors.exercise_get(db, exercise_id)
        service.attempt_start(db=db, actor=actor, exercise=exercise, now=utcnow())
        service.attempt_finish(db=db, actor=actor, exercise=exercise, now=utcnow())
    return RedirectResponse(f"/training/exercises/{exercise_id}", status_code=303)


@router.post("/training/exercises/{exercise_id}/close")
def close_form(request: Request, db: DbSession, actor: Staff, form: CheckedForm, exercise_id: int) -> Response:
    """Close the exercise (instructors)."""
    with db.begin():
        instructor_check(db, actor)
        service.exercise_close(db=db, actor=actor, exercise=selectors.exercise_get(db, exercise_id), now=utcnow())
    return RedirectResponse(f"/training/exercises/{exercise_id}", status_code=303)


@router.post("/training/projections")
def projection_form(request: Request, db: DbSession, actor: Staff, form: CheckedForm) -> Response:
    """Project a training case into an officer's live queue (instructors)."""
    body = _checked(ProjectionCreate, {"case": str(form.get("case") or "").strip()[:32],
                                       "officer": str(form.get("officer") or "").strip()[:64]})
    with db.begin():
        instructor_check(db, actor)
        projection.projection_create(db=db, actor=actor, body=body, now=utcnow())
    return RedirectResponse("/training", status_code=303)


@router.get("/training/reports/{office}/{month}")
def report_page(request: Request, db: DbSession, actor: Staff, office: str, month: str) -> Response:
    """The supervisor's monthly report of an office: detection next to field hit rate, per officer."""
    chosen = report.month_of(month[:7])
    with db.begin():
        instructor_check(db, actor)
        report.report_access(actor, office[:8])
        projection.projections_sync(db=db, now=utcnow())
        monthly = report.monthly_report(db, office=office[:8], month=chosen, score_of=results.score_of)
    return _page(request, "training/report.html", actor, report=monthly)


@router.get("/training/reports")
def report_pick(request: Request, actor: Staff, office: str = "", month: str = "") -> Response:
    """The report form's target: the report of the office and month chosen."""
    office = (office or actor.office or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{1,6}", office):
        raise ValidationFailed([Problem("training.office_unknown", "/office", {"office": office[:8]})])
    return RedirectResponse(f"/training/reports/{office}/{report.month_of(month[:7]):%Y-%m}", status_code=303)


OFFICE = re.compile(r"[A-Z]{2}[A-Z0-9]{1,6}")


def _office(value: Any) -> str:
    """The office a form names, else the coded 422 the API gives for a bad path."""
    office = str(value or "").strip().upper()[:8]
    if not OFFICE.fullmatch(office):
        raise ValidationFailed([Problem("training.office_unknown", "/office", {"office": office})])
    return office


@router.post("/training/gates")
def gate_form(request: Request, db: DbSession, actor: CurrentAdmin, form: CheckedForm) -> Response:
    """Require a certificate for a sensitive action, or stop requiring it (administrators)."""
    action = str(form.get("action") or "")
    if action not in certification.ACTIONS:
        raise ValidationFailed([Problem("field.invalid", "/action", {})])
    with db.begin():
        if form.get("clear") == "1":
            certification.gate_clear(db=db, actor=actor, action=action, now=utcnow())
        else:
            body = _checked(GateSet, {"role": str(form.get("role") or "")[:16], "level": _int(form.get("level"))})
            certification.gate_set(db=db, actor=actor, action=action, role=body.role, level=body.level,
                                   now=utcnow())
    return RedirectResponse("/training#gates", status_code=303)


@router.post("/training/injection")
def injection_form(request: Request, db: DbSession, actor: Staff, form: CheckedForm) -> Response:
    """Set how many cases a day are projected into an office's live queue, or stop (instructors)."""
    office = _office(form.get("office"))
    with db.begin():
        instructor_check(db, actor)
        if form.get("clear") == "1":
            injection.rate_clear(db=db, actor=actor, office=office, now=utcnow())
        else:
            body = _checked(InjectionSet, {"per_day": _int(form.get("per_day")),
                                           "cohort": str(form.get("cohort") or "").strip()[:64]})
            injection.rate_set(db=db, actor=actor, office=office, per_day=body.per_day, cohort=body.cohort,
                               now=utcnow())
    return RedirectResponse("/training#injection", status_code=303)
