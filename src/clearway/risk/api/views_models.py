"""Risk pages for analysts: models (metrics, chart, top features, promote), selection settings, drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession
from clearway.errors import Problem
from clearway.i18n import translate
from clearway.reference import service as reference_data
from clearway.risk.api.schemas_models import SelectionDraft
from clearway.risk.api.web import PageAnalyst, PageId, PageReader, attempt, draft_of, errors_of, text
from clearway.risk.engine import selection
from clearway.risk.ml import drift, registry, thresholds
from clearway.risk.ml.chart import Bar, bars_svg, precision_chart
from clearway.risk.rules import reference
from clearway.web.render import number, render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
ACTIONS = {"shadow": "shadow", "promote": "promoted", "retire": "retired"}
SETTING_FIELDS = ("red_share", "yellow_share", "random_rate", "aeo_random_rate", "aeo_factor", "random_channel",
                  "objective", "weight_frauds", "weight_serious", "weight_revenue")


def _models(request: Request, db: Session, actor: Principal, problems: list[Any] | None = None,
            path: str = "") -> Response:
    with db.begin():
        items = registry.models_list(db=db)
    errors = errors_of(problems or [], page_locale(request))
    return render(request, "risk/models.html", user=actor, section="models", status=422 if problems else 200,
                  items=items, errors=errors, path=path)


@router.get("/risk/models")
def models_page(request: Request, db: DbSession, actor: PageReader) -> Response:
    """Every registered model and the form to register one."""
    return _models(request, db, actor)


@router.post("/risk/models")
def model_register(request: Request, form: CheckedForm, db: DbSession, actor: PageAnalyst) -> Response:
    """Register a bundle directory, or show why it cannot be."""
    path = text(form, "path")[:500]
    with db.begin():
        model, problems = attempt(lambda: registry.model_register(db=db, actor=actor, path=path, now=utcnow()))
        if model is not None:
            return RedirectResponse(f"/risk/models/{model.id}", status_code=303)
    return _models(request, db, actor, problems, path)


def _percent_in(locale: str) -> Callable[[float], str]:
    """A share written as a whole percentage the way the locale writes it (English 25%, French and Spanish 25 %)."""
    sign = "%" if locale == "en" else "\u00a0%"
    return lambda share: number(share * 100, locale, 0) + sign


@router.get("/risk/models/{model_id}")
def model_page(request: Request, model_id: PageId, db: DbSession, actor: PageReader) -> Response:
    """One model: precision at each inspection rate (chart and table), top features, promotion."""
    with db.begin():
        model = registry.model_get(db=db, model_id=model_id)
    locale = page_locale(request)
    rates = model.metrics.get("rates") or []
    chart = Markup(precision_chart(rates, title=translate("ui.risk.models.chart_title", locale),
                                   description=translate("ui.risk.models.chart_desc", locale),
                                   percent=_percent_in(locale), decimal=lambda v: number(v, locale, 2))) \
        if rates else None
    return render(request, "risk/model.html", user=actor, section="models", model=model, rates=rates, chart=chart)


@router.post("/risk/models/{model_id}/{action}")
def model_action(model_id: PageId, action: str, form: CheckedForm, db: DbSession, actor: PageAnalyst) -> Response:
    """Shadow, promote or retire a model."""
    status = ACTIONS.get(action)
    with db.begin():
        model = registry.model_get(db=db, model_id=model_id, for_update=True)
        if status is not None:
            registry.model_move(db=db, actor=actor, model=model, status=status, now=utcnow())
    return RedirectResponse(f"/risk/models/{model_id}", status_code=303)


def _selection(request: Request, db: Session, actor: Principal, problems: list[Any] | None = None,
               values: dict[str, Any] | None = None) -> Response:
    with db.begin():
        items = selection.settings_list(db=db)
    offices = [("*", translate("ui.risk.selection.any_office", page_locale(request)))]
    offices += [(code, office.name) for code, office in reference_data.offices().items()]
    defaults = {"office": "*", "direction": "IM", "red_share": "0.03", "yellow_share": "0.07", "random_rate": "0.01",
                "aeo_random_rate": "0.002", "aeo_factor": "0.5", "random_channel": "red", "objective": "frauds",
                "weight_frauds": "0.4", "weight_serious": "0.3", "weight_revenue": "0.3"}
    return render(request, "risk/selection.html", user=actor, section="selection", status=422 if problems else 200,
                  items=items, offices=offices, errors=errors_of(problems or [], page_locale(request)),
                  values=values or defaults)


@router.get("/risk/selection")
def selection_page(request: Request, db: DbSession, actor: PageReader) -> Response:
    """Capacity, random rates and thresholds per office and direction, and the form to set them."""
    return _selection(request, db, actor)


@router.post("/risk/selection")
def selection_save(request: Request, form: CheckedForm, db: DbSession, actor: PageAnalyst) -> Response:
    """Save a setting (its thresholds are derived again), or show the form with its errors."""
    values = {name: text(form, name) for name in ("office", "direction", *SETTING_FIELDS)}
    office, direction = values["office"] or "*", values["direction"]
    draft, problems = draft_of(SelectionDraft, {k: values[k] for k in SETTING_FIELDS})
    known = office == "*" or office in reference_data.offices()
    if draft is not None and known and direction in ("IM", "EX", "TR"):
        with db.begin():
            now = utcnow()
            row = selection.setting_save(db=db, actor=actor, office=office, direction=direction, draft=draft, now=now)
            thresholds.thresholds_recompute(db=db, actor=actor, setting=row, now=now)
        return RedirectResponse("/risk/selection", status_code=303)
    return _selection(request, db, actor, problems or [_office_problem(office)], values)


def _office_problem(office: str) -> Problem:
    return Problem("office.unknown", "/office", {"value": office[:8]})


@router.post("/risk/selection/refresh")
def selection_refresh(form: CheckedForm, db: DbSession, actor: PageAnalyst) -> Response:
    """Recompute reference unit values, then every setting's model thresholds."""
    with db.begin():
        now = utcnow()
        reference.reference_refresh(db=db, actor=actor, now=now)
        thresholds.thresholds_recompute_all(db=db, actor=actor, now=now)
    return RedirectResponse("/risk/selection", status_code=303)


@router.get("/risk/drift")
def drift_page(request: Request, db: DbSession, actor: PageReader, office: str = "", days: int = 28) -> Response:
    """PSI of the promoted model's scores, the two distributions, and weekly hit rates."""
    days = min(max(days, 7), 91)
    chosen = office if office in reference_data.offices() else None
    with db.begin():
        report = drift.drift_report(db=db, office=chosen, days=days, now=utcnow())
    locale = page_locale(request)
    percent = _percent_in(locale)
    bars = [Bar(number(b["low"], locale, 2), b[side], percent(b[side]), series=i)
            for b in report.bins for i, side in enumerate(("reference", "recent"))]
    chart = Markup(bars_svg(bars, title=translate("ui.risk.drift.chart_title", locale),
                            description=translate("ui.risk.drift.chart_desc", locale), chart_id="drift",
                            percent=percent)) \
        if bars else None
    return render(request, "risk/drift.html", user=actor, section="drift", report=report, chart=chart, days=days,
                  office=chosen or "", offices=list(reference_data.offices().items()))
