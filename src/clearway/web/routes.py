"""Mount the server-rendered web UI: static files, every domain's views and the HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from clearway.auth.schemas import Principal
from clearway.deps import principal_optional
from clearway.i18n import LOCALES
from clearway.web.errors import install_error_pages
from clearway.web.security import HOME, LANG_COOKIE, CheckedForm, cookie_set, safe_next

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
def home(principal: Annotated[Principal | None, Depends(principal_optional)]) -> Response:
    """Send the visitor to its home page, or to sign in."""
    return RedirectResponse(HOME if principal else "/login", status_code=303)


@router.post("/lang")
def language(form: CheckedForm) -> Response:
    """Switch the interface language (the `lang` cookie) and go back to the page."""
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    lang = form.get("lang")
    if lang in LOCALES:
        cookie_set(response, LANG_COOKIE, lang, 60 * 60 * 24 * 365)
    return response


def install_web(app: FastAPI) -> None:
    """Add the web UI routes, static files and HTML error pages to an app."""
    from clearway.auth.views import router as auth_views
    from clearway.controls.views import router as control_views  # officer queue, tasks, trader requests
    from clearway.declarations.views import router as declaration_views
    from clearway.notifications.views import router as notification_views  # trader notifications
    from clearway.performance.views import router as performance_views  # dashboards (customs staff)
    from clearway.public.views import router as public_views  # transparency portal (no sign-in)
    from clearway.risk.views import router as risk_views  # risk engine pages (analysts)
    from clearway.risk.views_models import router as risk_model_views
    from clearway.tariff.views import router as tariff_views  # tariff browser and the pay button

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for views in (router, auth_views, declaration_views, risk_views, risk_model_views, performance_views, public_views,
                  tariff_views, control_views, notification_views):
        app.include_router(views)
    install_error_pages(app)
