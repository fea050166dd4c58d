"""The clearance pages: lodging by form or JSON file, and one declaration with its duties, reasons and holds.

The views call the same flows and selectors as the JSON API, each inside one transaction, so the two
cannot diverge; they only parse forms and choose a template.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from clearway.auth.schemas import Principal
from clearway.auth.selectors import organisation_of
from clearway.classification.selectors import description_mismatch
from clearway.clearance import amend as changes
from clearway.clearance import lodge
from clearway.clearance.router import Wired
from clearway.clearance.wiring import Wiring
from clearway.config import get_settings
from clearway.db import utcnow
from clearway.declarations import lifecycle, selectors
from clearway.declarations.lifecycle import (
    OFFICER_AMENDABLE,
    OFFICER_CANCELLABLE,
    RELEASABLE,
    TRADER_AMENDABLE,
    TRADER_CANCELLABLE,
)
from clearway.declarations.mrn import mrn_valid
from clearway.declarations.reasons import event_reason
from clearway.declarations.validation import document_check
from clearway.deps import CurrentUser, DbSession, roles
from clearway.errors import DeclarationInvalid, NotFound, Problem
from clearway.i18n import translate
from clearway.reference import service as ref
from clearway.risk import service as risk_service
from clearway.tariff import views as tariff_views  # tariff: duties panel and the "calculate duties" estimate
from clearway.web import forms
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
WebTrader = Annotated[Principal, Depends(roles("trader"))]
Changer = Annotated[Principal, Depends(roles("trader", "officer"))]  # the declarant, or an officer (state rules)


@lru_cache
def _options(locale: str) -> dict[str, list[tuple[str, str]]]:
    """The choices of the form's lists and suggestions, named in a locale."""
    return {
        "offices": [(o.code, o.name) for o in ref.offices().values()],
        "modes": [(c, m.get(f"name_{locale}") or m["name_en"]) for c, m in ref.transport_modes().items()],
        "incoterms": ref.incoterm_names(locale),
        "units": ref.quantity_unit_names(locale),
        "packages": ref.package_kind_names(locale),
        "countries": sorted(((c, ref.country_name(c, locale)) for c in ref.countries()), key=lambda x: x[1]),
        "currencies": ref.trade_currency_names(locale),
    }


def _form_page(request: Request, actor: Principal, *, values: dict[str, str], item_count: int,
               problems: list[Problem] | None = None, focus: str | None = None,
               upload_error: str | None = None, estimate: Any = None, amend: dict[str, Any] | None = None) -> Response:
    locale = page_locale(request)
    errors = forms.errors_placed(problems or [], locale, item_count)
    failed = bool(problems) or upload_error is not None
    return render(request, "declarations/form.html", user=actor, status=422 if failed else 200,
                  here="/declarations/new", values=values, item_count=item_count, errors=errors, focus=focus,
                  upload_error=upload_error, options=_options(locale), field_id=forms.field_id,
                  label_key=forms.label_key, max_items=forms.MAX_FORM_ITEMS, estimate=estimate,
                  classification=_classification_warnings(values, item_count, locale), amend=amend)


def _classification_warnings(values: dict[str, str], item_count: int, locale: str) -> dict[int, str]:
    """Classification: item index -> a warning when its code is far from its description (lexical, sub-ms)."""
    out = {}
    for i in range(item_count):
        description, code = values.get(f"/items/{i}/description", ""), values.get(f"/items/{i}/hs_code", "")
        digits = code.replace(".", "").strip()
        if len(description.strip()) >= 2 and len(digits) >= 4 and digits.isdigit():
            found = description_mismatch(description, digits)
            if found.far:
                out[i] = translate("classification.far", locale, code=digits, best=found.best_hs6 or "")
    return out


def _lodge(db: Session, wiring: Wiring, actor: Principal, raw: Any) -> tuple[str | None, list[Problem]]:
    """Lodge through the flow in one transaction: the MRN, or the problems (nothing stored)."""
    try:
        with db.begin():
            return lodge.declaration_lodge(db=db, wiring=wiring, actor=actor, raw=raw, now=utcnow()).mrn, []
    except DeclarationInvalid as exc:
        return None, exc.problems
    except IntegrityError:  # a concurrent lodgement took the LRN first
        return None, [Problem("lrn.duplicate", "/lrn", {"value": str(raw.get("lrn"))})]


@router.get("/declarations/new")
def declaration_new(request: Request, db: DbSession, actor: WebTrader) -> Response:
    """The form to lodge a declaration, with the user's organisation as declarant."""
    with db.begin():
        org = organisation_of(db=db, actor=actor)
    values = {"/type": "IM", "/declarant/id": actor.organisation_code}
    if org is not None:
        values.update({"/declarant/name": org.name, "/declarant/country": org.country})
    return _form_page(request, actor, values=values, item_count=1)


@router.post("/declarations/new")
def declaration_submit(request: Request, form: CheckedForm, db: DbSession, actor: WebTrader,
                       wiring: Wired) -> Response:
    """Add or remove an item row, or lodge the declaration the form describes."""
    doc = forms.document_from_form(form)
    action = str(form.get("action", "lodge"))
    if action == "add_item" and len(doc["items"]) < forms.MAX_FORM_ITEMS:
        doc["items"].append({})
        values, count = forms.values_of(doc)
        return _form_page(request, actor, values=values, item_count=count,
                          focus=forms.field_id(f"/items/{count - 1}/hs_code"))
    removed = int(action[7:]) if action.startswith("remove:") and action[7:].isdigit() else -1
    if 0 <= removed < len(doc["items"]) and len(doc["items"]) > 1:
        del doc["items"][removed]
        values, count = forms.values_of(doc)
        return _form_page(request, actor, values=values, item_count=count)
    raw = forms.without_empty_items(doc)
    if action == "calculate":  # tariff: the duties of the draft, nothing lodged or stored
        return _estimate_page(request, db, actor, raw)
    mrn, problems = _lodge(db, wiring, actor, raw)
    if mrn:
        return RedirectResponse(f"/declarations/{mrn}", status_code=303)
    values, count = forms.values_of(raw)
    return _form_page(request, actor, values=values, item_count=count, problems=problems)


def _estimate_page(request: Request, db: Session, actor: Principal, raw: dict[str, Any]) -> Response:
    """Tariff: the form again with the duties its draft would owe today, or the problems that prevent them."""
    today = utcnow().date()
    doc, problems = document_check(raw=raw, declarant_code=actor.organisation_code, on=today)
    result = None
    if doc is not None:
        with db.begin():
            result, problems = tariff_views.estimate(db=db, document=doc, on=today)
    values, count = forms.values_of(raw)
    return _form_page(request, actor, values=values, item_count=count, problems=problems, estimate=result)


@router.post("/declarations/upload")
def declaration_upload(request: Request, form: CheckedForm, db: DbSession, actor: WebTrader,
                       wiring: Wired) -> Response:
    """Lodge a declaration from an uploaded JSON document; its problems are shown in the form."""
    upload, locale = form.get("document"), page_locale(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _form_page(request, actor, values={}, item_count=1,
                          upload_error=translate("ui.upload.missing", locale))
    try:
        raw = orjson.loads(upload.file.read(get_settings().max_body_bytes + 1))
    except orjson.JSONDecodeError:
        return _form_page(request, actor, values={}, item_count=1,
                          upload_error=translate("ui.upload.malformed", locale))
    mrn, problems = _lodge(db, wiring, actor, raw)
    if mrn:
        return RedirectResponse(f"/declarations/{mrn}", status_code=303)
    values, count = forms.values_of(raw)
    return _form_page(request, actor, values=values, item_count=count, problems=problems,
                      upload_error=translate("ui.upload.invalid", locale, n=len(problems)))


@router.get("/declarations/{mrn}")
def declaration_page(request: Request, mrn: str, db: DbSession, actor: CurrentUser, wiring: Wired) -> Response:
    """One declaration: parties, transport, items, channel and reasons, and its timeline."""
    return _detail_page(request, db, actor, wiring, mrn)


def _changes_allowed(actor: Principal, declaration: Any) -> tuple[bool, bool]:
    """(may amend, may cancel) for this user now: the declarant's or a customs officer's, as the state allows."""
    if not selectors.may_change(actor, declaration):
        return False, False
    amendable = {"trader": TRADER_AMENDABLE, "officer": OFFICER_AMENDABLE}.get(actor.role, ())
    cancellable = {"trader": TRADER_CANCELLABLE, "officer": OFFICER_CANCELLABLE}.get(actor.role, ())
    # The state machine has the last word (an officer's list includes states it cannot leave for "cancelled").
    cancel = declaration.status in cancellable and "cancelled" in lifecycle.TRANSITIONS.get(declaration.status, ())
    return declaration.status in amendable, cancel


def _detail_page(request: Request, db: Session, actor: Principal, wiring: Wiring, mrn: str, *, status: int = 200,
                 cancel_error: str | None = None, cancel_reason: str = "") -> Response:
    if not mrn_valid(mrn):
        raise NotFound([Problem("declaration.not_found", "", {"mrn": mrn[:40]})])
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        events = selectors.declaration_events(db=db, declaration=declaration)
        # Risk engine: why this channel, for customs staff only (selection criteria stay hidden from traders).
        risk = risk_service.decision_view(db=db, declaration_id=declaration.id, channel=declaration.channel,
                                          channel_reasons=declaration.channel_reasons) if actor.is_customs else None
        # Tariff: the duties per item and tax with their legal basis, payments, and the pay button.
        duties = tariff_views.duties_panel(db=db, declaration=declaration, actor=actor, events=events)
        # Only goods still waiting for release have holds worth showing.
        holds = wiring.release.holds(db, declaration) if declaration.status in RELEASABLE else None
    locale = page_locale(request)
    offices = ref.offices()
    may_amend, may_cancel = _changes_allowed(actor, declaration)
    return render(request, "declarations/detail.html", user=actor, status=status, d=declaration,
                  doc=declaration.document,
                  events=events, customs=actor.is_customs, risk=risk, duties=duties,
                  holds=None if holds is None else [hold.as_json(locale) for hold in holds],
                  parties=[p for p in forms.PARTIES if declaration.document.get(p)],
                  office_name=lambda code: offices[code].name if code in offices else code,
                  country=lambda code: ref.country_name(code, locale) if code else "",
                  mode_name=dict(_options(locale)["modes"]),
                  event_reason=partial(event_reason, locale=locale),
                  may_amend=may_amend, may_cancel=may_cancel, cancel_error=cancel_error, cancel_reason=cancel_reason)


REASON_MIN, REASON_MAX = 3, 500


def _reason_of(form: Any) -> str:
    return " ".join(str(form.get("reason", "")).split())


@router.post("/declarations/{mrn}/cancel")
def declaration_cancel_form(request: Request, mrn: str, form: CheckedForm, db: DbSession, actor: Changer,
                            wiring: Wired) -> Response:
    """Withdraw a declaration from its page, with the reason the user gives."""
    reason = _reason_of(form)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        error = translate("ui.cancel.reason_length", page_locale(request), min=REASON_MIN, max=REASON_MAX)
        return _detail_page(request, db, actor, wiring, mrn, status=422, cancel_error=error, cancel_reason=reason)
    with db.begin():
        now = utcnow()
        declaration = selectors.declaration_for_change(db=db, actor=actor, mrn=mrn, now=now)
        changes.declaration_cancel(db=db, wiring=wiring, actor=actor, declaration=declaration, reason=reason, now=now)
    return RedirectResponse(f"/declarations/{mrn}", status_code=303)


@router.get("/declarations/{mrn}/amend")
def declaration_amend_form(request: Request, mrn: str, db: DbSession, actor: Changer) -> Response:
    """The lodging form filled with the current document, to amend it (when the state allows)."""
    with db.begin():
        declaration = selectors.declaration_for_change(db=db, actor=actor, mrn=mrn, now=utcnow())
        lifecycle.amend_check(status=declaration.status, role=actor.role)
    values, count = forms.values_of(declaration.document)
    return _form_page(request, actor, values=values, item_count=count,
                      amend={"mrn": declaration.mrn, "version": declaration.version, "reason": "",
                             "reason_error": None})


@router.post("/declarations/{mrn}/amend")
def declaration_amend_submit(request: Request, mrn: str, form: CheckedForm, db: DbSession, actor: Changer,
                             wiring: Wired) -> Response:
    """Apply the amended form as the declaration's next version, or show the form again with its problems."""
    doc = forms.without_empty_items(forms.document_from_form(form))
    reason, version = _reason_of(form), str(form.get("version", ""))
    state = {"mrn": mrn, "version": version, "reason": reason, "reason_error": None}
    problems: list[Problem] = []
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        state["reason_error"] = translate("ui.cancel.reason_length", page_locale(request), min=REASON_MIN,
                                          max=REASON_MAX)
    else:
        try:
            with db.begin():
                now = utcnow()
                declaration = selectors.declaration_for_change(db=db, actor=actor, mrn=mrn, now=now)
                changes.declaration_amend(db=db, wiring=wiring, actor=actor, declaration=declaration,
                                        raw={**doc, "reason": reason},
                                        expected_version=int(version) if version.isdigit() else -1, now=now)
            return RedirectResponse(f"/declarations/{mrn}", status_code=303)
        except DeclarationInvalid as exc:
            problems = exc.problems
    values, count = forms.values_of(doc)
    return _form_page(request, actor, values=values, item_count=count, problems=problems, amend=state)
