"""The partner exchange pages for customs staff: per-partner figures, messages each way, pre-arrival data, the
mirror report and requests for assistance. Officers, analysts and admins act from the pages (review a mirror
line, ask a partner for assistance, answer a partner's request); auditors read. Forms post their CSRF token
and call the same services as the API inside one transaction; errors come back next to their fields."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.errors import DomainError, NotFound, ValidationFailed
from clearway.exchange import selectors
from clearway.exchange.assistance import assistance_reply, assistance_request
from clearway.exchange.review import mirror_review
from clearway.exchange.schemas import AssistanceCreate, AssistanceReply, MirrorReview
from clearway.i18n import translate
from clearway.problems import from_pydantic
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
WebStaff = Annotated[Principal, Depends(roles("officer", "analyst", "admin", "auditor"))]
WebActor = Annotated[Principal, Depends(roles("officer", "analyst", "admin"))]
ACTING = ("officer", "analyst", "admin")
SHOWN = 50
Errors = dict[str, list[str]]
RFA_FIELDS = ("partner", "purpose", "legal_basis", "subject", "questions", "references", "deadline", "outcome",
              "answer", "action", "note")
LineId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _errors(exc: DomainError, locale: str) -> Errors:
    """Messages by the form field they point at ('' for the form as a whole)."""
    found: Errors = {}
    for p in exc.problems:
        name = p.pointer.strip("/").split("/")[0] if p.pointer else ""
        found.setdefault(name if name in RFA_FIELDS else "", []).append(translate(p.code, locale, **p.params))
    return found or {"": [translate(exc.title_code, locale)]}


def _invalid(exc: ValidationError, locale: str) -> Errors:
    """A form's pydantic errors as messages by field."""
    return _errors(ValidationFailed(from_pydantic([dict(e) for e in exc.errors()])), locale)


@router.get("/exchange")
def exchange_page(request: Request, db: DbSession, actor: WebStaff,
                  partner: Annotated[str | None, Query(min_length=2, max_length=8, pattern="^[A-Z0-9]+$")] = None,
                  state: Literal["pending", "received", "accepted", "rejected"] | None = None) -> Response:
    """Partners with messages sent, acknowledged, refused and pending, lag and error rate; the latest messages."""
    with db.begin():
        partners = selectors.partners(db=db, now=utcnow())
        sent, _ = selectors.messages(db=db, partner=partner, direction="out", state=state, before=None, limit=SHOWN)
        got, _ = selectors.messages(db=db, partner=partner, direction="in", state=state, before=None, limit=SHOWN)
        prearrivals, _ = selectors.prearrivals(db=db, partner=partner, limit=20)
    return render(request, "exchange/index.html", user=actor, nav="exchange", partners=partners, sent=sent,
                  got=got, prearrivals=prearrivals, partner=partner, state=state)


def _mirror(request: Request, db: Any, actor: Principal, gap: str | None, errors: Errors | None = None,
            failed: int | None = None, status: int = 200) -> Response:
    with db.begin():
        report = selectors.mirror_report(db=db, gap=None if gap is None else gap == "yes", limit=SHOWN * 4)
    return render(request, "exchange/mirror.html", user=actor, nav="exchange", report=report, gap=gap,
                  acting=actor.role in ACTING, errors=errors or {}, failed=failed, status=status)


@router.get("/exchange/mirror")
def mirror_page(request: Request, db: DbSession, actor: WebStaff,
                gap: Literal["yes", "no"] | None = None) -> Response:
    """The mirror report: our imports against partners' export declarations, with what differs; officers
    acknowledge or escalate a line with a gap."""
    return _mirror(request, db, actor, gap)


@router.post("/exchange/mirror/{line_id}/review")
def mirror_review_form(request: Request, db: DbSession, actor: WebActor, form: CheckedForm,
                       line_id: LineId) -> Response:
    """Acknowledge or escalate one mirror line, with the reason; back to the report."""
    locale = page_locale(request)
    try:
        body = MirrorReview(action=_text(form, "action", 20), note=_text(form, "note", 1000))  # type: ignore[arg-type]
        with db.begin():
            mirror_review(db=db, actor=actor, line_id=line_id, action=body.action, note=body.note,
                          now=utcnow())
    except ValidationError as exc:
        return _mirror(request, db, actor, "yes", _invalid(exc, locale), failed=line_id, status=422)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _mirror(request, db, actor, "yes", _errors(exc, locale), failed=line_id, status=exc.status)
    return RedirectResponse("/exchange/mirror?gap=yes", status_code=303)


def _assistance(request: Request, db: Any, actor: Principal, errors: Errors | None = None,
                values: dict[str, str] | None = None, failed: int | None = None, status: int = 200) -> Response:
    with db.begin():
        now = utcnow()
        made = selectors.assistance_list(db=db, now=now, direction="out", limit=SHOWN)
        received = selectors.assistance_list(db=db, now=now, direction="in", limit=SHOWN)
        partners = [p for p in selectors.partners(db=db, now=now) if p.active and "assistance_request" in p.accepts]
    purposes = sorted({purpose for p in partners for purpose in p.agreement.get("purposes", [])})
    default = (now + timedelta(days=30)).date().isoformat()
    return render(request, "exchange/assistance.html", user=actor, nav="exchange", made=made, received=received,
                  acting=actor.role in ACTING, partners=partners, purposes=purposes, errors=errors or {},
                  values={"deadline": default, **(values or {})}, failed=failed, status=status)


@router.get("/exchange/assistance")
def assistance_page(request: Request, db: DbSession, actor: WebStaff) -> Response:
    """Requests for assistance each way: legal basis, purpose, deadline, what was asked and what was given; the
    form that asks a partner, and the one that answers a partner's open request."""
    return _assistance(request, db, actor)


def _deadline(value: str) -> datetime | str:
    """The last second (UTC) of the day a form names; the text as it came when it is not a date."""
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(23, 59, 59), tzinfo=UTC)
    except ValueError:
        return value


@router.post("/exchange/assistance")
def assistance_request_form(request: Request, db: DbSession, actor: WebActor, form: CheckedForm) -> Response:
    """Ask a partner administration for assistance; the request is numbered, recorded and sent signed."""
    locale = page_locale(request)
    values = {name: _text(form, name, 20_000) for name in ("partner", "purpose", "legal_basis", "subject",
                                                           "questions", "references", "deadline")}
    try:
        body = AssistanceCreate.model_validate({
            "legal_basis": values["legal_basis"], "purpose": values["purpose"], "subject": values["subject"],
            "questions": values["questions"], "deadline": _deadline(values["deadline"]),
            "references": [r.strip() for r in values["references"].replace(",", "\n").splitlines() if r.strip()]})
        partner = values["partner"][:8]
        with db.begin():
            assistance_request(db=db, actor=actor.username, partner=partner, purpose=body.purpose,
                               legal_basis=body.legal_basis, subject=body.subject, questions=body.questions,
                               references=body.references, deadline=body.deadline, now=utcnow())
    except ValidationError as exc:
        return _assistance(request, db, actor, _invalid(exc, locale), values, status=422)
    except DomainError as exc:
        errors = _errors(exc, locale)
        if isinstance(exc, NotFound):  # an unknown partner code: said next to the partner field
            errors = {"partner": [m for ms in errors.values() for m in ms]}
        return _assistance(request, db, actor, errors, values, status=exc.status)
    return RedirectResponse("/exchange/assistance", status_code=303)


@router.post("/exchange/assistance/{assistance_id}/reply")
def assistance_reply_form(request: Request, db: DbSession, actor: WebActor, form: CheckedForm,
                          assistance_id: LineId) -> Response:
    """Answer (or decline) a partner's open request, once; the reply is sent signed."""
    locale = page_locale(request)
    try:
        body = AssistanceReply(outcome=_text(form, "outcome", 20), answer=_text(form, "answer", 20_000))  # type: ignore[arg-type]
        with db.begin():
            assistance_reply(db=db, actor=actor.username, request_id=assistance_id, outcome=body.outcome,
                             answer=body.answer, documents=body.documents, now=utcnow())
    except ValidationError as exc:
        return _assistance(request, db, actor, _invalid(exc, locale), failed=assistance_id, status=422)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _assistance(request, db, actor, _errors(exc, locale), failed=assistance_id, status=exc.status)
    return RedirectResponse("/exchange/assistance", status_code=303)
