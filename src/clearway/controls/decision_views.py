"""Decision pages: an officer releases, detains, lifts a detention, re-routes or clears a declaration's goods.

Each decision has a confirmation page: GET says what will happen (and, for a release, what still
holds the goods); POST, with the CSRF token and a reason, applies it through the same services as
the JSON API, so the one release decision and its holds apply. A refusal comes back as the page
with every coded problem in the officer's language.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from clearway.auth.schemas import Principal
from clearway.controls.decisions import ACTIONS, decision_apply, decisions_open, reroute_targets
from clearway.controls.roles import examiner_get, office_required
from clearway.db import utcnow
from clearway.declarations import selectors
from clearway.declarations.models import Declaration
from clearway.deps import DbSession, Releaser, roles
from clearway.errors import DomainError, NotFound, Problem
from clearway.holds import Release
from clearway.i18n import translate
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
WebOfficer = Annotated[Principal, Depends(roles("officer"))]
# Problem parameters that name a state or a channel are shown by their label, not their code.
LABELLED_PARAMS = {"status": "ui.status", "from": "ui.status", "to": "ui.status", "channel": "ui.channel"}


def _param(name: str, value: Any, locale: str) -> Any:
    prefix = LABELLED_PARAMS.get(name)
    if prefix is None or not isinstance(value, str):
        return value
    key = f"{prefix}.{value}"
    text = translate(key, locale)
    return value if text == key else text


def problem_messages(problems: list[Problem], locale: str, fallback: str) -> list[str]:
    """Each coded problem in the reader's language, states and channels by their labels."""
    found = [translate(p.code, locale, **{k: _param(k, v, locale) for k, v in p.params.items()}) for p in problems]
    return found or [translate(fallback, locale)]


def _declaration(db: DbSession, actor: Principal, mrn: str, lock: bool = False) -> Declaration:
    office_required(actor)
    return selectors.declaration_get(db=db, actor=actor, mrn=mrn[:40], now=utcnow(), for_update=lock, audit=False)


def _page(request: Request, db: DbSession, actor: Principal, mrn: str, action: str, release: Release,
          errors: list[str] | None = None, status: int = 200, values: dict[str, str] | None = None) -> Response:
    locale = page_locale(request)
    with db.begin():
        declaration = _declaration(db, actor, mrn)
        holds = [h.as_json(locale) for h in release.holds(db, declaration)]
        supervisor = examiner_get(db=db, actor=actor).supervisor
        allowed = action in decisions_open(declaration)
        targets = reroute_targets(declaration)
    if not allowed and not errors:
        errors = [translate("ui.decide.not_now", locale, status=translate(f"ui.status.{declaration.status}", locale))]
        status = 409
    return render(request, "controls/decide.html", user=actor, d=declaration, action=action, holds=holds,
                  allowed=allowed, supervisor=supervisor, targets=targets, errors=errors or [], status=status,
                  values=values or {})


@router.get("/controls/declarations/{mrn}/decide/{action}")
def decide_page(request: Request, mrn: str, action: str, db: DbSession, actor: WebOfficer,
                release: Releaser) -> Response:
    """The confirmation page of one decision: what will happen, what holds the goods, the reason to give."""
    if action not in ACTIONS:
        raise NotFound([Problem("ui.decide.unknown", "", {"action": action[:20]})])
    return _page(request, db, actor, mrn, action, release)


@router.post("/controls/declarations/{mrn}/decide/{action}")
def decide_post(request: Request, mrn: str, action: str, form: CheckedForm, db: DbSession, actor: WebOfficer,
                release: Releaser) -> Response:
    """Apply the confirmed decision, then back to the declaration; refused: the page again with the reasons."""
    if action not in ACTIONS:
        raise NotFound([Problem("ui.decide.unknown", "", {"action": action[:20]})])
    reason = form.get("reason")
    channel = form.get("channel")
    values = {"reason": reason.strip()[:500] if isinstance(reason, str) else "",
              "channel": channel if isinstance(channel, str) else ""}
    try:
        with db.begin():
            declaration = _declaration(db, actor, mrn, lock=True)
            decision_apply(db=db, actor=actor, declaration=declaration, action=action, reason=values["reason"],
                           channel=values["channel"] or None, release=release, now=utcnow())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        locale = page_locale(request)
        return _page(request, db, actor, mrn, action, release, problem_messages(exc.problems, locale, exc.title_code),
                     exc.status, values)
    return RedirectResponse(f"/declarations/{mrn}", status_code=303)
