"""Crisis pages: staff see emergency profiles, what passed under each, the posts' nodes and reconciliation
tasks; administrators declare and lift profiles; the public portal announces the public ones in force."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from clearway.auth.schemas import Principal
from clearway.crisis import selectors, service
from clearway.crisis.plans import plans_load
from clearway.crisis.router import READERS, emergency_read
from clearway.db import utcnow
from clearway.deps import DbSession, ReportSession, roles
from clearway.errors import DomainError, NotFound, Problem
from clearway.i18n import translate
from clearway.reference.service import offices
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
WebReader = Annotated[Principal, Depends(roles(*READERS))]
WebAdmin = Annotated[Principal, Depends(roles("admin"))]
KINDS = ("relief", "priority", "surge", "closure")
EFFECTS = ("lighter", "green_lane", "documentary", "hold", "capacity")
PUBLIC_CACHE = {"Cache-Control": "public, max-age=60"}  # a notice must not linger long after it ends


def _codes(value: Any, size: int) -> list[str]:
    """Comma- or space-separated codes from a form field, upper-cased, at most 100."""
    return [c for c in str(value or "").replace(",", " ").upper().split() if len(c) == size][:100]


def _home(request: Request, db: Any, actor: Principal, errors: list[str] | None = None, status: int = 200,
          form: dict[str, Any] | None = None) -> Response:
    now = utcnow()
    profiles = [(p, emergency_read(p)) for p in selectors.emergencies_list(db=db)]
    return render(request, "crisis/home.html", user=actor, status=status, nav="crisis", profiles=profiles,
                  nodes=selectors.nodes_list(db=db), conflicts=selectors.conflicts_open(db=db), now=now,
                  admin=actor.role == "admin", kinds=KINDS, effects=EFFECTS, offices=sorted(offices()),
                  errors=errors or [], form=form or {})


def _surge_params(percent: str) -> dict[str, Any]:
    """A surge's share of controls kept, from the form's percentage (blank: the default share)."""
    text = percent.strip()
    if not text:
        return {}
    if not text.isdigit() or int(text) > 100:
        raise service.EmergencyInvalid([Problem("crisis.emergency_share", "/capacity_share",
                                                {"name": "capacity_share"})])
    return {"capacity_share": int(text) / 100}


def _relief_params(kind: str, duties: str) -> dict[str, Any]:
    """A relief profile's duty terms from the form (other kinds have none; blank: paid or secured)."""
    return {"duties": duties} if kind == "relief" and duties else {}


@router.get("/crisis")
def home(request: Request, db: DbSession, actor: WebReader) -> Response:
    """Emergency profiles (active first), posts' nodes and open reconciliation tasks."""
    with db.begin():
        return _home(request, db, actor)


@router.post("/crisis/emergencies")
def declare_form(request: Request, db: DbSession, actor: WebAdmin, form: CheckedForm) -> Response:
    """Declare a profile from the form; its problems are shown above the form."""
    locale = page_locale(request)
    fields = ("kind", "effect", "chapters", "origins", "reason", "ends_at", "notice_en", "notice_es", "notice_fr",
              "capacity_share", "duties")
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in fields}
    values["offices"] = [str(o) for o in form.getlist("offices")][:100]
    values["public"] = form.get("public") == "1"
    try:
        with db.begin():
            try:
                ends = datetime.fromisoformat(values["ends_at"]).replace(tzinfo=UTC)
            except ValueError:
                raise service.EmergencyInvalid([Problem("crisis.emergency_expiry_past", "/ends_at", {})]) from None
            notice = {k: values[f"notice_{k}"][:600] for k in ("en", "es", "fr") if values[f"notice_{k}"]}
            profile = service.emergency_activate(
                db=db, kind=values["kind"], effect=values["effect"] or None,
                scope={"offices": values["offices"], "hs_prefixes": _codes(values["chapters"], 2),
                       "origins": _codes(values["origins"], 2)},
                params=_surge_params(values["capacity_share"]) | _relief_params(values["kind"], values["duties"]),
                reason=values["reason"][:200] or values["kind"],
                expires_at=ends, actor=actor.username,
                now=utcnow(), public=bool(values["public"]), notice=notice or None)
            profile_id = profile.id
    except DomainError as exc:  # nothing was written: the form again, with what to fix
        errors = [translate(p.code, locale, **p.params) for p in exc.problems]
        with db.begin():
            return _home(request, db, actor, errors=errors, status=exc.status, form=values)
    return RedirectResponse(f"/crisis/emergencies/{profile_id}", status_code=303)


@router.get("/crisis/emergencies/{profile_id}")
def report_page(request: Request, db: DbSession, actor: WebReader, profile_id: int) -> Response:
    """What passed under a profile: decisions by channel, audit flags, released and held, the latest ones."""
    with db.begin():
        profile = selectors.emergency_get(db=db, profile_id=profile_id) if 0 < profile_id < 2**31 else None
        if profile is None:
            raise NotFound([Problem("crisis.emergency_unknown", "", {"id": str(profile_id)})])
        summary = selectors.emergency_summary(db=db, profile=profile)
        return render(request, "crisis/report.html", user=actor, nav="crisis", profile=profile,
                      read=emergency_read(profile), summary=summary, admin=actor.role == "admin")


@router.post("/crisis/emergencies/{profile_id}/lift")
def lift_form(request: Request, db: DbSession, actor: WebAdmin, form: CheckedForm, profile_id: int) -> Response:
    """Lift a profile now and come back to its report."""
    with db.begin():
        profile = selectors.emergency_get(db=db, profile_id=profile_id) if 0 < profile_id < 2**31 else None
        if profile is None:
            raise NotFound([Problem("crisis.emergency_unknown", "", {"id": str(profile_id)})])
        service.emergency_lift(db=db, profile=profile, actor=actor.username, now=utcnow())
    return RedirectResponse(f"/crisis/emergencies/{profile_id}", status_code=303)


@router.get("/crisis/plans")
def plans_page(request: Request, db: DbSession, actor: WebReader) -> Response:
    """Every office's continuity plan: who decides, per event its measures, longest duration, activation now."""
    plans = sorted(plans_load().values(), key=lambda p: p.office)
    now = utcnow()
    with db.begin():
        activations = selectors.plan_activations(db=db, now=now)
    return render(request, "crisis/plans.html", user=actor, nav="crisis", plans=plans, activations=activations,
                  default_effect=service.DEFAULT_EFFECT, now=now)


@router.get("/public/emergencies")
def public_notices(request: Request, db: ReportSession) -> Response:
    """The public emergency notices in force, in the reader's language."""
    locale = page_locale(request)
    with db.begin():
        notices = [{"id": p.id, "kind": p.kind, "text": selectors.notice_text(p, locale), "ends_at": p.expires_at,
                    "offices": (p.scope or {}).get("offices", [])}
                   for p in selectors.notices_public(db=db, now=utcnow())]
    response = render(request, "crisis/public.html", user=None, section="emergencies", notices=notices)
    response.headers.update(PUBLIC_CACHE)
    return response
