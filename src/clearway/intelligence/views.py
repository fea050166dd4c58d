"""Intelligence pages for officers, analysts and agencies: the inbox, an alert behind its marking banner, the
form that creates one, and the forms that act on it and report its outcome. Forms post their CSRF token and
call the same services as the API inside one transaction; every page states the reader's purpose."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import CurrentUser, DbSession, Releaser
from clearway.errors import DomainError, NotFound, ValidationFailed
from clearway.i18n import translate
from clearway.intelligence import attachments, derived, overdue, seizures, selectors, service
from clearway.intelligence.markings import MARKINGS, PURPOSES, permitted
from clearway.intelligence.schemas import (
    OUTCOMES,
    SUBJECT_TYPES,
    ActionCreate,
    AlertCreate,
    ConversionCreate,
    OutcomeCreate,
    SeizureCreate,
)
from clearway.problems import from_pydantic
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
DEFAULT_PURPOSE = {"analyst": "risk_targeting", "officer": "control", "agency": "control"}
FIELDS = ("kind", "subject_type", "subject_value", "text", "source_ref", "source_grade", "info_grade", "marking",
          "valid_days", "recipients", "case", "file")


def _purpose(request: Request, actor: Principal) -> str:
    asked = request.query_params.get("purpose", "")
    return asked if asked in PURPOSES else DEFAULT_PURPOSE.get(actor.role, "control")


def _text(form: Any, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _errors(exc: DomainError, locale: str) -> dict[str, list[str]]:
    """Messages by the form field they point at ('' for the form as a whole)."""
    found: dict[str, list[str]] = {}
    for p in exc.problems:
        field = p.pointer.strip("/").split("/")[0] if p.pointer else ""
        found.setdefault(field if field in (*FIELDS, "purposes", "mrn", "outcome", "party_id") else "", []).append(
            translate(p.code, locale, **p.params))
    return found or {"": [translate(exc.title_code, locale)]}


def _invalid(exc: ValidationError, locale: str) -> dict[str, list[str]]:
    """A form's pydantic errors as messages by field."""
    return _errors(ValidationFailed(from_pydantic([dict(e) for e in exc.errors()])), locale)


def _page(request: Request, template: str, actor: Principal, **context: Any) -> Response:
    return render(request, template, user=actor, nav="intelligence", markings=MARKINGS, purposes=PURPOSES,
                  **context)


@router.get("/intelligence")
def inbox(request: Request, db: DbSession, actor: CurrentUser) -> Response:
    """The alerts the user may read for the purpose it states, with their outcomes and acknowledgements."""
    purpose = _purpose(request, actor)
    with db.begin():
        service.community_check(db=db, actor=actor)
        alerts = selectors.alerts_for(db=db, actor=actor, purpose=purpose)
        tasks = overdue.feedback_tasks_for(db=db, actor=actor, purpose=purpose, now=utcnow())
    return _page(request, "intelligence/inbox.html", actor, alerts=alerts, purpose=purpose, tasks=tasks)


@router.get("/intelligence/hit-rates")
def hit_rates_page(request: Request, db: DbSession, actor: CurrentUser) -> Response:
    """Which sources, originators and alert types produce results: finds per control with Wilson intervals."""
    purpose = _purpose(request, actor)
    by = request.query_params.get("by", "source")
    by = by if by in selectors.HIT_GROUPS else "source"
    with db.begin():
        service.community_check(db=db, actor=actor)
        rows = selectors.hit_rates(db=db, actor=actor, purpose=purpose, by=by)
    return _page(request, "intelligence/hit_rates.html", actor, rows=rows, purpose=purpose, by=by,
                 groups=tuple(selectors.HIT_GROUPS))


def _form(request: Request, actor: Principal, values: dict[str, Any], errors: dict[str, list[str]],
          status: int = 200) -> Response:
    return _page(request, "intelligence/new.html", actor, values=values, errors=errors, status=status,
                 subject_types=SUBJECT_TYPES, grades=("A", "B", "C", "D", "E"), infos=("1", "2", "3", "4", "5"))


@router.get("/intelligence/alerts/new")
def alert_new(request: Request, db: DbSession, actor: CurrentUser) -> Response:
    """The form that creates an alert with its marking, purposes and recipients."""
    with db.begin():
        service.community_check(db=db, actor=actor)
    return _form(request, actor, {"marking": "AMBER", "valid_days": "30", "purposes": [_purpose(request, actor)]},
                 {})


@router.post("/intelligence/alerts")
def alert_create_form(request: Request, db: DbSession, actor: CurrentUser, form: CheckedForm) -> Response:
    """Create the alert and show it; errors come back next to their fields."""
    values: dict[str, Any] = {name: _text(form, name, 20000) for name in FIELDS}
    values["purposes"] = [p for p in form.getlist("purposes") if isinstance(p, str)][:4]
    values["hold_goods"] = bool(form.get("hold_goods"))
    locale = page_locale(request)
    try:
        body = AlertCreate.model_validate({
            **{k: v for k, v in values.items() if k != "recipients" and v != ""},
            "recipients": [k.strip() for k in values["recipients"].replace(",", "\n").splitlines() if k.strip()]})
    except ValidationError as exc:
        return _form(request, actor, values, _invalid(exc, locale), status=422)
    try:
        with db.begin():
            reference = service.alert_create(db=db, actor=actor, body=body, now=utcnow()).reference
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _form(request, actor, values, _errors(exc, locale), status=exc.status)
    return RedirectResponse(f"/intelligence/alerts/{reference}?purpose={body.purposes[0]}", status_code=303)


def _detail(request: Request, db: Any, actor: Principal, reference: str, purpose: str,
            errors: dict[str, list[str]] | None = None, status: int = 200) -> Response:
    with db.begin():
        alert, handling, party = service.alert_read_audited(db=db, actor=actor, reference=reference[:20],
                                                            purpose=purpose, now=utcnow())
        read = selectors.alert_read(db=db, alert=alert, handling=handling, party=party, purpose=purpose)
        recipient = bool(party.keys() & handling.recipients)
        watch = selectors.subject_watch(db=db, actor=actor, subject_type=alert.subject_type,
                                        subject_value=alert.subject_value, purpose=purpose)
        picks = (selectors.outcome_declarations(db=db, actor=actor, alert=alert)
                 if actor.role in service.CUSTOMS_ACTORS else [])
        originator = party.organisation == alert.originator_org and (
            actor.username == alert.originator_user or actor.role == "analyst")
    return _page(request, "intelligence/alert.html", actor, a=read, purpose=purpose, errors=errors or {},
                 status=status, outcomes=OUTCOMES, recipient=recipient, picks=picks, originator=originator, watch=watch,
                 customs=actor.role in service.CUSTOMS_ACTORS,
                 converter=actor.role == "analyst" and derived.TARGETING in read.purposes)


@router.get("/intelligence/alerts/{reference}")
def alert_page(request: Request, db: DbSession, actor: CurrentUser, reference: str) -> Response:
    """One alert under its marking banner (audited read): subject, text, grading, recipients, actions, outcomes."""
    return _detail(request, db, actor, reference, _purpose(request, actor))


def _back(reference: str, purpose: str) -> Response:
    return RedirectResponse(f"/intelligence/alerts/{reference[:20]}?purpose={purpose}", status_code=303)


@router.post("/intelligence/alerts/{reference}/outcomes")
def outcome_form(request: Request, db: DbSession, actor: CurrentUser, release: Releaser, form: CheckedForm,
                 reference: str) -> Response:
    """Report the alert's outcome on one declaration back to its originator."""
    purpose = _purpose(request, actor)
    locale = page_locale(request)
    try:
        # The declaration picked from the list, or (the list's last choice) the MRN typed for another one.
        mrn = _text(form, "mrn", 18) or _text(form, "mrn_other", 18)
        body = OutcomeCreate(mrn=mrn.upper(), outcome=_text(form, "outcome", 16),  # type: ignore[arg-type]
                             note=_text(form, "note", 500) or None)
        with db.begin():
            service.outcome_record(db=db, actor=actor, reference=reference[:20], body=body, purpose=purpose,
                                   release=release, now=utcnow())
    except ValidationError as exc:
        return _detail(request, db, actor, reference, purpose, _invalid(exc, locale), status=422)
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.problems and exc.problems[0].code == "intelligence.alert_unknown":
            raise
        return _detail(request, db, actor, reference, purpose, _errors(exc, locale), status=exc.status)
    return _back(reference, purpose)


@router.post("/intelligence/alerts/{reference}/actions")
def action_form(request: Request, db: DbSession, actor: CurrentUser, form: CheckedForm, reference: str) -> Response:
    """Target a declaration (MRN) with the alert, holding its goods for the outcome."""
    purpose = _purpose(request, actor)
    locale = page_locale(request)
    try:
        body = ActionCreate(target="declaration", mrn=_text(form, "mrn", 18).upper(), hold=True,
                            note=_text(form, "note", 500) or None)
        with db.begin():
            service.action_take(db=db, actor=actor, reference=reference[:20], body=body, purpose=purpose,
                                now=utcnow())
    except ValidationError as exc:
        return _detail(request, db, actor, reference, purpose, _invalid(exc, locale), status=422)
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.problems and exc.problems[0].code == "intelligence.alert_unknown":
            raise
        return _detail(request, db, actor, reference, purpose, _errors(exc, locale), status=exc.status)
    return _back(reference, purpose)


@router.post("/intelligence/alerts/{reference}/convert")
def convert_form(request: Request, db: DbSession, actor: CurrentUser, form: CheckedForm, reference: str) -> Response:
    """One click from alert to action: a watchlist entry or a time-boxed enhanced control, lifted at its expiry."""
    purpose = _purpose(request, actor)
    locale = page_locale(request)
    try:
        days = _text(form, "days", 3)
        body = ConversionCreate(into=_text(form, "into", 20) or "enhanced_control",  # type: ignore[arg-type]
                                days=int(days) if days.isdigit() else 0,
                                channel=_text(form, "channel", 8) or "red")  # type: ignore[arg-type]
        with db.begin():
            derived.alert_convert(db=db, actor=actor, reference=reference[:20], body=body, now=utcnow())
    except ValidationError as exc:
        return _detail(request, db, actor, reference, purpose, _invalid(exc, locale), status=422)
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.problems and exc.problems[0].code == "intelligence.alert_unknown":
            raise
        return _detail(request, db, actor, reference, purpose, _errors(exc, locale), status=exc.status)
    return _back(reference, purpose)


@router.post("/intelligence/alerts/{reference}/acknowledge")
def acknowledge_form(request: Request, db: DbSession, actor: CurrentUser, form: CheckedForm,
                     reference: str) -> Response:
    """Acknowledge receipt of the alert."""
    purpose = _purpose(request, actor)
    with db.begin():
        service.alert_acknowledge(db=db, actor=actor, reference=reference[:20], purpose=purpose, now=utcnow())
    return _back(reference, purpose)


@router.post("/intelligence/alerts/{reference}/withdraw")
def withdraw_form(request: Request, db: DbSession, actor: CurrentUser, form: CheckedForm, reference: str) -> Response:
    """The originator withdraws the alert."""
    purpose = _purpose(request, actor)
    with db.begin():
        service.alert_withdraw(db=db, actor=actor, reference=reference[:20], now=utcnow())
    return _back(reference, purpose)


def _seizures(request: Request, db: Any, actor: Principal, purpose: str, errors: dict[str, list[str]] | None = None,
              values: dict[str, Any] | None = None, status: int = 200) -> Response:
    with db.begin():
        service.community_check(db=db, actor=actor)
        party = selectors.party_of(db=db, actor=actor)
        records, withheld = seizures.seizures_for(db=db, actor=actor, purpose=purpose, limit=500)
        rows = [(seizures.seizure_read(r), {action: bool(permitted(seizures.handling_of(r), party, action, purpose))
                                            for action in ("export", "print")}) for r in records]
        cases = seizures.seizure_cases(db=db, actor=actor, purpose=purpose)
    return _page(request, "intelligence/seizures.html", actor, rows=rows, withheld=withheld, purpose=purpose,
                 errors=errors or {}, values=values or {"marking": "GREEN"}, status=status,
                 publisher=actor.role in seizures.CUSTOMS_ACTORS, cases=cases,
                 exportable=sum(1 for _r, may in rows if may["export"]))


@router.get("/intelligence/seizures")
def seizures_page(request: Request, db: DbSession, actor: CurrentUser) -> Response:
    """The non-nominal CEN seizure records the user may read for its purpose, with what it may export and print."""
    return _seizures(request, db, actor, _purpose(request, actor))


@router.post("/intelligence/seizures")
def seizure_publish_form(request: Request, db: DbSession, actor: CurrentUser, form: CheckedForm) -> Response:
    """Publish an enforcement case as a CEN seizure record; errors come back next to their fields."""
    purpose = _purpose(request, actor)
    values = {"case": _text(form, "case", 32).upper(), "marking": _text(form, "marking", 12) or "GREEN"}
    chosen = [p for p in form.getlist("purposes") if isinstance(p, str)][:4]
    try:
        body = SeizureCreate(case=values["case"], marking=values["marking"],
                             **({"purposes": chosen} if chosen else {}))
        with db.begin():
            seizures.seizure_publish(db=db, actor=actor, body=body, now=utcnow())
    except ValidationError as exc:
        return _seizures(request, db, actor, purpose, _invalid(exc, page_locale(request)), values, 422)
    except DomainError as exc:
        return _seizures(request, db, actor, purpose, _errors(exc, page_locale(request)), values, exc.status)
    return RedirectResponse(f"/intelligence/seizures?purpose={purpose}", status_code=303)


@router.get("/intelligence/seizures/export")
def seizures_export_page(request: Request, db: DbSession, actor: CurrentUser) -> Response:
    """The CEN records the marking lets the user take out of the system, as a file (the export audited)."""
    purpose = _purpose(request, actor)
    with db.begin():
        service.community_check(db=db, actor=actor)
        body = seizures.seizures_export(db=db, actor=actor, purpose=purpose, now=utcnow())
    return JSONResponse(body, headers={"Content-Disposition": 'attachment; filename="cen-seizures.json"',
                                       "Cache-Control": "no-store"})


@router.post("/intelligence/alerts/{reference}/attachments")
def attachment_form(request: Request, db: DbSession, actor: CurrentUser, form: CheckedForm,
                    reference: str) -> Response:
    """Attach a file to the alert (it carries the alert's marking); a refused file comes back next to its field."""
    purpose = _purpose(request, actor)
    upload = form.get("file")
    data = upload.file.read(attachments.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        with db.begin():
            attachments.attachment_add(db=db, actor=actor, reference=reference[:20], purpose=purpose,
                                       name=getattr(upload, "filename", None),
                                       media_type=getattr(upload, "content_type", None), data=data, now=utcnow())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _detail(request, db, actor, reference, purpose, _errors(exc, page_locale(request)),
                       status=exc.status)
    return _back(reference, purpose)


@router.get("/intelligence/alerts/{reference}/attachments/{attachment_id}")
def attachment_page_download(request: Request, db: DbSession, actor: CurrentUser, reference: str,
                             attachment_id: int) -> Response:
    """Download an attachment, if the alert's marking lets the user export it (audited)."""
    purpose = _purpose(request, actor)
    with db.begin():
        row = attachments.attachment_download(db=db, actor=actor, reference=reference[:20],
                                              attachment_id=attachment_id, purpose=purpose, now=utcnow())
        content, name, kind = row.content, row.name, row.media_type
    return Response(content, media_type=kind, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})
