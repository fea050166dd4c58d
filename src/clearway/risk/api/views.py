"""Risk pages for analysts: rules (write, see errors where they are, test-run, activate) and watchlists."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession
from clearway.i18n import translate
from clearway.risk import selectors
from clearway.risk.api.schemas import RuleDraft, WatchlistDraft
from clearway.risk.api.web import (
    PageAnalyst,
    PageId,
    PageReader,
    attempt,
    checked,
    draft_of,
    errors_of,
    number,
    text,
    words,
)
from clearway.risk.rules import ruleset as rules
from clearway.risk.rules import testrun, watchlists
from clearway.risk.rules.facts import FIELDS
from clearway.risk.rules.watchlist_index import KINDS, SEVERITY_CHANNEL
from clearway.web.render import label, render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
DIRECTIONS = ("IM", "EX", "TR")
RULE_CHANNELS = ("blue", "yellow", "red")


@router.get("/risk")
def risk_home(actor: PageReader) -> Response:
    """The analysts' start page: the rules."""
    return RedirectResponse("/risk/rules", status_code=303)


@router.get("/risk/rules")
def rules_page(request: Request, db: DbSession, actor: PageReader) -> Response:
    """Every rule with its version in force."""
    with db.begin():
        items = [selectors.rule_read(r, v) for r, v in rules.rules_list(db=db)]
    return render(request, "risk/rules.html", user=actor, section="rules", items=items)


def _rule_values(form: Any) -> dict[str, Any]:
    return {"name": text(form, "name"), "expression": text(form, "expression"), "channel": text(form, "channel"),
            "offices": words(form, "offices"), "directions": checked(form, "directions"),
            "valid_from": text(form, "valid_from"), "valid_to": text(form, "valid_to"),
            "priority": text(form, "priority") or "100", "reason": text(form, "reason")}


def _rule_form(request: Request, actor: Principal, values: dict[str, Any], problems: list[Any],
               rule: Any = None, versions: list[Any] | None = None, run: Any = None,
               runs: list[Any] | None = None) -> Response:
    locale = page_locale(request)
    errors = errors_of(problems, locale, str(values.get("expression", "")))
    return render(request, "risk/rule.html", user=actor, section="rules", status=422 if problems else 200,
                  values=values, errors=errors, rule=rule, versions=versions or [], run=run, runs=runs or [],
                  directions=DIRECTIONS, fields=sorted(FIELDS),
                  channel_options=[(c, label(locale, "ui.channel", c)) for c in RULE_CHANNELS])


@router.get("/risk/rules/new")
def rule_new(request: Request, actor: PageAnalyst) -> Response:
    """The form for a new rule."""
    values = {"name": "", "expression": "", "channel": "yellow", "offices": [], "directions": [], "valid_from": "",
              "valid_to": "", "priority": "100", "reason": ""}
    return _rule_form(request, actor, values, [])


@router.post("/risk/rules/new")
def rule_new_submit(request: Request, form: CheckedForm, db: DbSession, actor: PageAnalyst) -> Response:
    """Save a new rule, or show the form again with each error where it is."""
    values = _rule_values(form)
    draft, problems = draft_of(RuleDraft, values)
    if draft is not None:
        with db.begin():
            rule, problems = attempt(lambda: rules.rule_create(db=db, actor=actor, draft=draft, now=utcnow()))
            if rule is not None:
                return RedirectResponse(f"/risk/rules/{rule.id}", status_code=303)
    return _rule_form(request, actor, values, problems)


def _rule_page(request: Request, db: Session, actor: Principal, rule_id: int, problems: list[Any] | None = None,
               values: dict[str, Any] | None = None, run_id: int = 0) -> Response:
    rule = rules.rule_get(db=db, rule_id=rule_id)
    runs = [selectors.test_run_job_read(r) for r in selectors.test_runs_of(db=db, rule_id=rule_id)]
    # The run asked for (it belongs to this rule), else the latest one.
    run = next((r for r in runs if r.id == run_id), runs[0] if runs and not run_id else None)
    versions = [selectors.version_read(v) for v in rules.rule_versions(db=db, rule_id=rule_id)]
    read = selectors.rule_read(rule, rules.rule_version(db=db, rule=rule, version=None))
    stats = selectors.rule_hit_counts(db=db, rule_id=rule_id, since=utcnow() - timedelta(days=30))
    if values is None:
        values = read.latest.model_dump(mode="json") | {"name": rule.name}
    return _rule_form(request, actor, values, problems or [], rule={"read": read, "stats": stats},
                      versions=versions, run=run, runs=runs)


@router.get("/risk/rules/{rule_id}")
def rule_page(request: Request, rule_id: PageId, db: DbSession, actor: PageReader, run: str = "") -> Response:
    """One rule: its versions, the version in force, the edit form and its test-runs (one shown in full)."""
    with db.begin():
        return _rule_page(request, db, actor, rule_id, run_id=int(run) if run.isdigit() and len(run) < 10 else 0)


@router.post("/risk/rules/{rule_id}/edit")
def rule_edit_submit(request: Request, rule_id: PageId, form: CheckedForm, db: DbSession,
                     actor: PageAnalyst) -> Response:
    """Save the form as the rule's next version, or show it again with its errors."""
    values = _rule_values(form)
    draft, problems = draft_of(RuleDraft, values)
    with db.begin():
        rule = rules.rule_get(db=db, rule_id=rule_id, for_update=True)
        if draft is not None:
            base = number(text(form, "base_version"))
            _, problems = attempt(lambda: rules.rule_edit(db=db, actor=actor, rule=rule, draft=draft,
                                                          base_version=base, now=utcnow()))
            if not problems:
                return RedirectResponse(f"/risk/rules/{rule_id}", status_code=303)
        return _rule_page(request, db, actor, rule_id, problems, values)


@router.post("/risk/rules/{rule_id}/state")
def rule_state_submit(form: CheckedForm, rule_id: PageId, db: DbSession, actor: PageAnalyst) -> Response:
    """Activate a version of the rule, or deactivate it."""
    with db.begin():
        rule = rules.rule_get(db=db, rule_id=rule_id, for_update=True)
        if text(form, "action") == "deactivate":
            rules.rule_deactivate(db=db, actor=actor, rule=rule, now=utcnow())
        else:
            version = number(text(form, "version")) or None
            rules.rule_activate(db=db, actor=actor, rule=rule, version=version, now=utcnow())
    return RedirectResponse(f"/risk/rules/{rule_id}", status_code=303)


@router.post("/risk/rules/{rule_id}/test-run")
def rule_test_run_submit(request: Request, rule_id: PageId, form: CheckedForm, db: DbSession,
                         actor: PageAnalyst) -> Response:
    """Queue a replay of the rule's latest version over history; the rule page shows its progress and figures."""

    def day(name: str) -> date | None:
        value = text(form, name)
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    with db.begin():
        rule = rules.rule_get(db=db, rule_id=rule_id)
        version = rules.rule_version(db=db, rule=rule, version=None)
        run, problems = attempt(lambda: testrun.test_run_request(
            db=db, actor=actor, version=version, date_from=day("date_from"), date_to=day("date_to"),
            limit=20_000, now=utcnow()))
        if run is None:
            return _rule_page(request, db, actor, rule_id, problems)
    return RedirectResponse(f"/risk/rules/{rule_id}?run={run.id}#run-title", status_code=303)


@router.get("/risk/watchlists")
def watchlists_page(request: Request, db: DbSession, actor: PageReader, kind: str = "") -> Response:
    """Watchlist entries (one list or all), the form to add one, and a name to try."""
    return _watchlists(request, db, actor, kind)


def _watchlists(request: Request, db: Session, actor: Principal, kind: str, problems: list[Any] | None = None,
                values: dict[str, Any] | None = None, tried: Any = None) -> Response:
    chosen = kind if kind in KINDS else ""
    with db.begin():
        entries = watchlists.entries_list(db=db, kind=chosen or None)
    locale = page_locale(request)
    errors = errors_of(problems or [], locale)
    return render(request, "risk/watchlists.html", user=actor, section="watchlists", status=422 if problems else 200,
                  entries=entries, chosen=chosen, kinds=KINDS, errors=errors,
                  kind_options=[(k, translate(f"ui.risk.kind.{k}", locale)) for k in KINDS],
                  severity_options=[(s, translate(f"ui.risk.severity.{s}", locale)) for s in SEVERITY_CHANNEL],
                  values=values or {"kind": chosen or "trader", "threshold": "90", "severity": "medium"},
                  tried=tried, now=utcnow())


@router.post("/risk/watchlists")
def watchlist_add(request: Request, form: CheckedForm, db: DbSession, actor: PageAnalyst) -> Response:
    """Add an entry, or show the form again with its errors."""
    values = {name: text(form, name) for name in ("kind", "name", "party_id", "country", "threshold", "severity",
                                                  "source", "note", "expires_at")}
    if values["expires_at"] and len(values["expires_at"]) == 10:
        values["expires_at"] += "T00:00:00Z"
    draft, problems = draft_of(WatchlistDraft, values)
    if draft is not None:
        with db.begin():
            watchlists.entry_create(db=db, actor=actor, draft=draft, now=utcnow())
        return RedirectResponse(f"/risk/watchlists?kind={draft.kind}", status_code=303)
    return _watchlists(request, db, actor, values["kind"], problems, values)


@router.post("/risk/watchlists/{entry_id}/withdraw")
def watchlist_withdraw(entry_id: PageId, form: CheckedForm, db: DbSession, actor: PageAnalyst) -> Response:
    """Take an entry off its list."""
    with db.begin():
        entry = watchlists.entry_get(db=db, entry_id=entry_id)
        watchlists.entry_withdraw(db=db, actor=actor, entry=entry, now=utcnow())
        kind = entry.kind
    return RedirectResponse(f"/risk/watchlists?kind={kind}", status_code=303)


@router.post("/risk/watchlists/try")
def watchlist_try(request: Request, form: CheckedForm, db: DbSession, actor: PageReader) -> Response:
    """Show which entries of a list a name would match at lodgement."""
    kind, name = text(form, "kind"), text(form, "text")[:200]
    found: list[Any] = []
    if kind in KINDS and name:
        with db.begin():
            index = watchlists.watchlists_active(db=db, now=utcnow())
        found = sorted(index.similar(kind, name), key=lambda pair: -pair[1])
    return _watchlists(request, db, actor, kind, tried={"kind": kind, "text": name, "found": found})
