"""Single-window pages: the agency inbox (referrals and applications) with its decision forms, a referral's
page, the trader's permits with the application form, processing times for managers and the public.
Every form posts its CSRF token and calls the same service as the API inside one transaction."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from clearway.agencies import permits, selectors, service
from clearway.agencies.registry import agencies_of, live_agencies
from clearway.agencies.schemas import PermitRead, ReferralRead
from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration
from clearway.deps import DbSession, Releaser, roles
from clearway.downloads import attachment
from clearway.errors import DomainError, NotFound, Problem, ValidationFailed
from clearway.i18n import translate
from clearway.web.render import iso, render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
WebInbox = Annotated[Principal, Depends(roles("agency", "officer", "analyst", "admin", "auditor"))]
WebAgency = Annotated[Principal, Depends(roles("agency"))]
WebTrader = Annotated[Principal, Depends(roles("trader"))]
WebCustoms = Annotated[Principal, Depends(roles("officer", "analyst", "admin", "auditor"))]
STATES = ("open", "overdue", "decided", "all")
INBOX_EXPORT_LIMIT = 5000


def _text(form: Any, name: str, limit: int = 2000) -> str | None:
    value = form.get(name)
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def _decimal(form: Any, name: str) -> Decimal | None:
    text = _text(form, name, 22)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed([Problem("agencies.field_decimal", f"/{name}", {"field": name})]) from None
    if not value.is_finite() or value < 0:
        raise ValidationFailed([Problem("agencies.field_decimal", f"/{name}", {"field": name})])
    return value


def _messages(exc: DomainError, locale: str) -> list[str]:
    return [translate(p.code, locale, **p.params) for p in exc.problems] or [translate(exc.title_code, locale)]


def _inbox(request: Request, db: Any, actor: Principal, state: str, errors: list[str] | None = None,
           status: int = 200, q: str = "", agency: str = "") -> Response:
    now = utcnow()
    chosen = state if state in STATES else "open"
    mrn, agency = q.strip().upper()[:40], agency.strip()[:40]
    with db.begin():
        rows = selectors.referrals_inbox(db=db, actor=actor, state=chosen, mrn=mrn or None, agency=agency or None,
                                         now=now)
        referrals = [ReferralRead.of(r, now) for r in rows]
        waiting = [PermitRead.of(p) for p in selectors.permits_list(db=db, actor=actor, status=None, now=utcnow())
                   if p.status in ("applied", "info_requested")]
        mine = sorted(agencies_of(db, actor)) if actor.role == "agency" else sorted(live_agencies(db))
    query = {k: v for k, v in (("state", chosen), ("q", mrn), ("agency", agency)) if v}
    return render(request, "agencies/inbox.html", user=actor, referrals=referrals, applications=waiting,
                  state=chosen, states=STATES, agencies=", ".join(mine), errors=errors, status=status,
                  decider=actor.role == "agency", nav="agencies", q=mrn, agency=agency, agency_codes=mine,
                  export_url=f"/agencies/inbox.csv?{urlencode(query)}")


@router.get("/agencies/inbox")
def inbox_page(request: Request, db: DbSession, actor: WebInbox, state: str = "open", q: str = "",
               agency: str = "") -> Response:
    """The agency's referrals and applications (customs staff: every agency's, to follow what is overdue)."""
    return _inbox(request, db, actor, state, q=q, agency=agency)


@router.get("/agencies/inbox.csv")
def inbox_export(db: DbSession, actor: WebInbox, state: str = "open", q: str = "", agency: str = "") -> Response:
    """The referrals of the inbox, as filtered, in one CSV file (oldest due first; the read is audited)."""
    now = utcnow()
    chosen = state if state in STATES else "open"
    with db.begin():
        rows = selectors.referrals_inbox(db=db, actor=actor, state=chosen, mrn=q.strip().upper()[:40] or None,
                                         agency=agency.strip()[:40] or None, now=now, limit=INBOX_EXPORT_LIMIT)
        referrals = [ReferralRead.of(r, now) for r in rows]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["referral", "mrn", "agency", "item", "hs_code", "goods", "due_at", "overdue", "decision"])
    for r in referrals:
        item = (r.data or {}).get("item") or {}
        writer.writerow([r.id, r.mrn, r.agency, r.item, item.get("hs_code", ""), item.get("description", ""),
                         iso(r.due_at), "yes" if r.overdue else "no", r.decision or ""])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment("referrals.csv"), "Cache-Control": "no-store"})


@router.get("/agencies/referrals/{referral_id}")
def referral_page(request: Request, db: DbSession, actor: WebInbox, referral_id: int) -> Response:
    """One referral with the declaration data the profile allows, and the decision form (audited read)."""
    now = utcnow()
    with db.begin():
        referral = service.referral_for(db=db, actor=actor, referral_id=referral_id)
        selectors.referral_audited(db=db, actor=actor, referral=referral, now=now)
        view = ReferralRead.of(referral, now)
        profile = live_agencies(db).get(referral.agency)
        choices = list(profile.decisions) if profile else []
        decider = referral.agency in agencies_of(db, actor)
    return render(request, "agencies/referral.html", user=actor, r=view, choices=choices, decider=decider,
                  nav="agencies")


@router.post("/agencies/referrals/{referral_id}")
def referral_decide_form(request: Request, db: DbSession, actor: WebAgency, form: CheckedForm, release: Releaser,
                         referral_id: int) -> Response:
    """Record the agency's decision from the form; the goods go if nothing else holds them."""
    try:
        with db.begin():
            now = utcnow()
            referral = service.referral_decide(
                db=db, actor=actor, referral_id=referral_id, decision=_text(form, "decision", 20) or "",
                reason=_text(form, "reason"), conditions=_text(form, "conditions"), now=now)
            declaration = db.get(Declaration, referral.declaration_id, with_for_update=True)
            if declaration is not None and declaration.status == "channelled":
                release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                                reason=f"agency decision by {actor.username}: nothing else holds the goods", now=now,
                                code="released.agency_decision", params={"user": actor.username})
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _inbox(request, db, actor, "open", errors=_messages(exc, page_locale(request)), status=exc.status)
    return RedirectResponse("/agencies/inbox?state=open", status_code=303)


@router.post("/agencies/permits/{number}/decision")
def permit_decide_form(request: Request, db: DbSession, actor: WebAgency, form: CheckedForm, number: str) -> Response:
    """Approve, refuse or ask for information on an application from the inbox."""
    try:
        with db.begin():
            permit = selectors.permit_for(db=db, actor=actor, number=number[:40], now=utcnow(), lock=True)
            valid_to = _text(form, "valid_to", 10)
            permits.application_decide(
                db=db, actor=actor, permit=permit, profile=live_agencies(db)[permit.agency],
                outcome=_text(form, "outcome", 20) or "", quantity=_decimal(form, "quantity"),
                value=_decimal(form, "value"), valid_from=None,
                valid_to=date.fromisoformat(valid_to) if valid_to else None, conditions=_text(form, "conditions"),
                reason=_text(form, "reason"), now=utcnow())
    except ValueError:
        return _inbox(request, db, actor, "open", errors=[translate("permit.validity_invalid", page_locale(request),
                                                                    max_days="-")], status=422)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _inbox(request, db, actor, "open", errors=_messages(exc, page_locale(request)), status=exc.status)
    return RedirectResponse("/agencies/inbox?state=open", status_code=303)


def _permits_page(request: Request, db: Any, actor: Principal, errors: list[str] | None = None,
                  status: int = 200) -> Response:
    with db.begin():
        rows = [PermitRead.of(p) for p in selectors.permits_list(db=db, actor=actor, status=None, now=utcnow())]
        live = live_agencies(db)
    choices = [(code, x.code, x.name) for code, p in live.items() for x in p.lpco]
    return render(request, "agencies/permits.html", user=actor, permits=rows, choices=choices, errors=errors,
                  status=status, nav="permits")


@router.get("/agencies/permits")
def permits_page(request: Request, db: DbSession, actor: WebTrader) -> Response:
    """The trader's permits with their balances, and the one application form for every agency."""
    return _permits_page(request, db, actor)


@router.post("/agencies/permits")
def permit_apply_form(request: Request, db: DbSession, actor: WebTrader, form: CheckedForm) -> Response:
    """Apply for an LPCO from the form."""
    agency, _, lpco = (_text(form, "lpco", 40) or "").partition("/")
    hs = [h.strip() for h in (_text(form, "hs", 200) or "").split(",") if h.strip()]
    try:
        with db.begin():
            profile = live_agencies(db).get(agency)
            if profile is None:
                raise ValidationFailed([Problem("agency.not_found", "/agency", {})])
            if not hs or not all(h.isdigit() and len(h) in (2, 4, 6, 8, 10) for h in hs):
                raise ValidationFailed([Problem("permit.out_of_scope", "/hs",
                                                {"permit": "-", "hs_code": ",".join(hs)})])
            permits.application_submit(
                db=db, actor=actor, profile=profile, lpco=lpco, hs_prefixes=hs, origin=None,
                quantity=_decimal(form, "quantity"), unit=(_text(form, "unit", 3) or "").upper() or None,
                value=_decimal(form, "value"), currency=(_text(form, "currency", 3) or "").upper() or None,
                purpose=_text(form, "purpose") or "-", now=utcnow())
    except DomainError as exc:
        return _permits_page(request, db, actor, errors=_messages(exc, page_locale(request)), status=exc.status)
    return RedirectResponse("/agencies/permits", status_code=303)


def _performance(db: Any) -> list[dict[str, Any]]:
    now = utcnow()
    with db.begin():
        return selectors.processing_times(db=db, since=now - timedelta(days=90), now=now)


@router.get("/agencies/performance")
def performance_page(request: Request, db: DbSession, actor: WebCustoms) -> Response:
    """Agency processing times for managers (last 90 days), with what is overdue now."""
    return render(request, "agencies/performance.html", user=actor, rows=_performance(db), public=False)


@router.get("/public/agencies")
def public_performance_page(request: Request, db: DbSession) -> Response:
    """The public portal's agency processing times (counts and durations only, no declaration data)."""
    return render(request, "agencies/public_performance.html", user=None, rows=_performance(db), public=True,
                  section="agencies")
