"""Enforcement pages: leads and cases, a case with its referral, the FIU's HTML summary of a referral, and a
declaration's price evidence (a distribution chart and the same figures as a table). Forms post their CSRF
token and call the same services as the API inside one transaction."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from clearway.db import utcnow
from clearway.declarations import selectors as declarations
from clearway.deps import DbSession
from clearway.enforcement import evidence, selectors, service
from clearway.enforcement.access import Analyst, Reader
from clearway.enforcement.schemas import CaseCreate, CaseUpdate, LeadCreate
from clearway.errors import NotFound, Problem
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
_SEPARATORS = {"en": (",", "."), "es": (".", ","), "fr": ("\u202f", ",")}


def number(locale: str, value: float | int | Decimal | str | None, places: int = 0) -> str:
    """A number grouped and pointed the way the locale writes it ('' for none)."""
    if value is None:
        return ""
    group, point = _SEPARATORS.get(locale, _SEPARATORS["en"])
    text = format(Decimal(str(value)).quantize(Decimal(1).scaleb(-places)), ",f")
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def _page(request: Request, template: str, actor: Any, **context: Any) -> Response:
    return render(request, template, user=actor, num=partial(number, page_locale(request)), nav="enforcement",
                  **context)


@router.get("/enforcement")
def home(request: Request, db: DbSession, actor: Reader) -> Response:
    """Analysts: the ranked leads and every case; the FIU: the cases referred to it."""
    with db.begin():
        cases = selectors.cases_for(db, actor)
        found = evidence.leads(evidence.lines_of(db), now=utcnow()) if actor.role == "analyst" else []
    return _page(request, "enforcement/leads.html", actor, leads=found, cases=cases,
                 analyst=actor.role == "analyst")


@router.post("/enforcement/cases")
def case_open_form(request: Request, db: DbSession, actor: Analyst, form: CheckedForm) -> Response:
    """Open a case from one computed lead (its key) and go to the case page."""
    key = str(form.get("key") or "")[:16]
    with db.begin():
        now = utcnow()
        found = {lead["key"]: lead for lead in evidence.leads(evidence.lines_of(db), now=now)}
        if key not in found:
            raise NotFound([Problem("enforcement.lead_unknown", "/key", {"key": key})])
        lead = found[key]
        title = str(form.get("title") or "").strip()[:200] or lead["explanation"][:200]
        case = service.case_open(db=db, actor=actor, now=now, body=CaseCreate(title=title, leads=[LeadCreate(
            kind=lead["kind"], score=lead["score"], explanation=lead["explanation"], parties=lead["parties"],
            evidence=lead["evidence"])]))
        reference = case.reference
    return RedirectResponse(f"/enforcement/cases/{reference}", status_code=303)


@router.get("/enforcement/cases/{reference}")
def case_page(request: Request, db: DbSession, actor: Reader, reference: str) -> Response:
    """A case with its leads and evidence; analysts refer an open case from here."""
    with db.begin():
        case = selectors.case_read(db, selectors.case_for(db, actor, reference[:24]))
    return _page(request, "enforcement/case.html", actor, case=case, analyst=actor.role == "analyst")


@router.post("/enforcement/cases/{reference}/refer")
def case_refer_form(request: Request, db: DbSession, actor: Analyst, form: CheckedForm, reference: str) -> Response:
    """Send the case to the FIU."""
    with db.begin():
        service.case_refer(db=db, actor=actor, case=selectors.case_get(db, reference[:24]), now=utcnow())
    return RedirectResponse(f"/enforcement/cases/{reference[:24]}", status_code=303)


@router.post("/enforcement/cases/{reference}/update")
def case_update_form(request: Request, db: DbSession, actor: Analyst, form: CheckedForm, reference: str) -> Response:
    """Save the analyst's notes, or close the case."""
    notes = str(form.get("notes") or "").strip()[:4000]
    body = CaseUpdate(notes=notes, status="closed" if form.get("close") else None)
    with db.begin():
        service.case_update(db=db, actor=actor, case=selectors.case_get(db, reference[:24]), body=body, now=utcnow())
    return RedirectResponse(f"/enforcement/cases/{reference[:24]}", status_code=303)


@router.get("/enforcement/cases/{reference}/referral")
def referral_page(request: Request, db: DbSession, actor: Reader, reference: str) -> Response:
    """The HTML summary of the referral package the FIU received (audited read)."""
    with db.begin():
        now = utcnow()
        case = selectors.case_for(db, actor, reference[:24])
        if case.status == "open":
            raise NotFound([Problem("enforcement.not_referred", "/reference", {"reference": reference[:24]})])
        service.referral_read_audited(db=db, actor=actor, case=case, now=now)
        package = selectors.referral(db, case, now=now)
    return _page(request, "enforcement/referral.html", actor, p=package)


@router.get("/enforcement/declarations/{mrn}/prices")
def prices_page(request: Request, db: DbSession, actor: Analyst, mrn: str) -> Response:
    """A declaration's price evidence per item: chart with the declaration marked, and a table alternative."""
    with db.begin():
        declaration = declarations.declaration_get(db=db, actor=actor, mrn=mrn[:18], now=utcnow())
        view = selectors.evidence_read(declaration.mrn, declaration.currency,
                                       evidence.price_evidence(evidence.lines_of(db), declaration))
    return _page(request, "enforcement/prices.html", actor, ev=view)
