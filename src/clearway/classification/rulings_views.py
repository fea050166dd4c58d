"""Advance-ruling pages for analysts: the queue of requests, and a request's workbench (the assistant's
suggestions, the nearest past rulings) with the decision form. Forms post their CSRF token and call the same
service as the API inside one transaction."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from clearway.auth.schemas import Principal
from clearway.classification import rulings
from clearway.classification.rulings_schemas import RulingDecision, RulingItemRead
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.errors import DomainError, NotFound
from clearway.i18n import translate
from clearway.tariff.rulings import rulings_list
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
PageReader = Annotated[Principal, Depends(roles("analyst", "officer", "auditor"))]
PageAnalyst = Annotated[Principal, Depends(roles("analyst"))]
Reference = Annotated[str, Path(max_length=32, pattern=r"^[A-Z0-9-]+$")]
STATES = ("requested", "issued", "refused", "revoked")


def _text(form: Any, name: str, limit: int = 2000) -> str | None:
    value = form.get(name)
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


@router.get("/classification/rulings")
def rulings_page(request: Request, db: DbSession, actor: PageReader, status: str = "requested") -> Response:
    """The classification rulings in one state, the oldest request first."""
    chosen = status if status in STATES else "requested"
    with db.begin():
        items = [RulingItemRead.of(r) for r in rulings_list(db=db, status=chosen)]
    return render(request, "classification/rulings.html", user=actor, items=items, state=chosen, states=STATES,
                  nav="classification")


def _workbench(request: Request, db: Any, actor: Principal, reference: str, errors: list[str] | None = None,
               status: int = 200) -> Response:
    with db.begin():
        bench = rulings.ruling_workbench(db=db, actor=actor, reference=reference, on=utcnow().date(),
                                         locale=page_locale(request))
    return render(request, "classification/ruling.html", user=actor, bench=bench, errors=errors, status=status,
                  decider=actor.role == "analyst", today=utcnow().date().isoformat(), nav="classification")


@router.get("/classification/rulings/{reference}")
def ruling_page(request: Request, db: DbSession, actor: PageReader, reference: Reference) -> Response:
    """A ruling request: the goods, the assistant's suggestions, the nearest past rulings, the decision form."""
    return _workbench(request, db, actor, reference)


@router.post("/classification/rulings/{reference}")
def ruling_decide_form(request: Request, db: DbSession, actor: PageAnalyst, form: CheckedForm,
                       reference: Reference) -> Response:
    """Issue or refuse the ruling from the workbench."""
    locale = page_locale(request)
    try:
        valid_from = _text(form, "valid_from", 10)
        decision = RulingDecision(outcome=_text(form, "outcome", 10) or "issue",  # type: ignore[arg-type]
                                  hs_code=(_text(form, "hs_code", 12) or "").replace(".", "") or None,
                                  valid_from=date.fromisoformat(valid_from) if valid_from else None, valid_to=None,
                                  justification=_text(form, "justification"))
    except (ValueError, ValidationError):
        return _workbench(request, db, actor, reference, status=422,
                          errors=[translate("ui.rulings.decision_invalid", locale)])
    try:
        with db.begin():
            rulings.ruling_decide(db=db, actor=actor, reference=reference, decision=decision, now=utcnow())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages = [translate(p.code, locale, **p.params) for p in exc.problems] or [translate(exc.title_code, locale)]
        return _workbench(request, db, actor, reference, errors=messages, status=exc.status)
    return RedirectResponse(f"/classification/rulings/{reference}", status_code=303)
