"""The web UI's own routes: the home redirect and the language switch (`STATIC` is mounted by `create_app`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from clearway.auth.schemas import Principal
from clearway.deps import principal_optional
from clearway.i18n import LOCALES
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
