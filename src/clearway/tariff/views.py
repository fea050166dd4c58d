"""Tariff pages: the tariff browser, the duties panel of a declaration page, the pay button, the estimate.

Thin like every view: the same services as the JSON API, one transaction each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.deps import CurrentUser, DbSession, Releaser, roles
from clearway.errors import DomainError, Problem
from clearway.i18n import translate
from clearway.tariff import service
from clearway.tariff.compute import Assessment
from clearway.tariff.errors import DutyNotComputable
from clearway.tariff.snapshot import Line
from clearway.web.errors import error_page
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
WebTrader = Annotated[Principal, Depends(roles("trader"))]
RESULTS = 25


@dataclass(frozen=True)
class DutiesPanel:
    """What the duties panel of a declaration page shows."""

    view: service.DutiesView | None
    note: str | None  # why there is no assessment (the "assessed" event's reason)
    can_pay: bool
    waiting: bool  # green or blue goods held only for their money


def duties_panel(*, db: Session, declaration: Declaration, actor: Principal, events: list[Any]) -> DutiesPanel:
    """The duties panel of a declaration: breakdown, payments, and whether this user may pay now."""
    view = service.duties_view(db=db, declaration_id=declaration.id)
    note = next((e.reason for e in events if e.kind == "assessed"), None) if view is None else None
    due = view is not None and view.due > 0
    waiting = due and declaration.status == "channelled" and declaration.channel in ("green", "blue")
    return DutiesPanel(view, note, due and actor.role == "trader", bool(waiting))


def estimate(*, db: Session, document: Any, on: date) -> tuple[Assessment | None, list[Problem]]:
    """The duties of a draft as the lodge form's "calculate" shows them: the bill, or the tariff's problems."""
    try:
        return service.duties_calculate(db=db, document=document, on=on), []
    except DutyNotComputable as exc:
        return None, exc.problems


def _measures(line: Line, on: date) -> list[dict[str, Any]]:
    """Every measure of a line, most specific first, with whether it is in force on the day."""
    rows = []
    for (kind, agreement), measures in sorted(line.candidates.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        for m in measures:
            rows.append({"id": m.id, "kind": kind, "agreement": agreement, "rate": m.describe(), "code": m.code,
                         "valid_from": m.valid_from, "valid_to": m.valid_to, "agency": m.agency,
                         "legal_basis": m.legal_basis, "in_force": m.covers(on)})
    return rows


@router.get("/tariff")
def tariff_browser(request: Request, db: DbSession, actor: CurrentUser,
                   q: Annotated[str, Query(max_length=100)] = "") -> Response:
    """Search the national tariff by code or by words of the (English) description; each line's measures."""
    query, today = q.strip(), utcnow().date()
    with db.begin():
        loaded = service.schedule_version_current(db=db)
        lines = service.lines_search(db=db, q=query, limit=RESULTS) if query else []
    results = [{"line": line, "now": line.at(today), "measures": _measures(line, today)} for line in lines]
    return render(request, "tariff/browser.html", user=actor, q=query, results=results, loaded=loaded,
                  today=today, limit=RESULTS)


@router.post("/declarations/{mrn}/pay")
def declaration_pay(request: Request, mrn: str, form: CheckedForm, db: DbSession, actor: WebTrader,
                    release: Releaser) -> Response:
    """The pay button: pay what the declaration owes through the payment gateway, then back to the page."""
    try:
        with db.begin():
            service.declaration_pay(db=db, actor=actor, mrn=mrn, amount=None, method="gateway", account_id=None,
                                    gateway=request.app.state.wiring.gateway, release=release, now=utcnow())
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise
        locale = page_locale(request)
        return error_page(request, exc.status, [translate(p.code, locale, **p.params) for p in exc.problems])
    return RedirectResponse(f"/declarations/{mrn}", status_code=303)
