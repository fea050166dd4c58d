"""Browser sessions for the web UI: the session cookie, CSRF tokens and safe redirects.

A signed-in browser's CSRF token is derived from its session cookie (`auth.tokens.csrf_for`).
Before sign-in, forms (the sign-in form itself, the language switcher) are bound the same way
to a random pre-session cookie, so no state-changing POST is ever accepted without a token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from clearway.auth.schemas import Principal
from clearway.auth.service import principal_from_claims, token_claims
from clearway.auth.tokens import csrf_for
from clearway.config import get_settings
from clearway.db import get_read_sessionmaker
from clearway.deps import SESSION_COOKIE
from clearway.errors import DomainError, Forbidden, Problem
from clearway.i18n import negotiate

PRESESSION_COOKIE = "cw_presession"
LANG_COOKIE = "lang"
CSRF_FIELD = "csrf"
HOME = "/declarations"


def _csrf_basis(request: Request) -> str | None:
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return session
    pre = request.cookies.get(PRESESSION_COOKIE)
    return f"pre:{pre}" if pre and len(pre) <= 64 else None


def csrf_token(request: Request) -> tuple[str, str | None]:
    """The CSRF token for forms on this page, and a new pre-session value to set if one is needed."""
    basis = _csrf_basis(request)
    fresh = None
    if basis is None:
        fresh = secrets.token_urlsafe(24)
        basis = f"pre:{fresh}"
    return csrf_for(secret=get_settings().secret_key, session_token=basis), fresh


def csrf_check(request: Request, token: object) -> None:
    """Refuse (403) a state-changing form whose CSRF token is missing or wrong."""
    basis = _csrf_basis(request)
    if basis is not None and isinstance(token, str) and token:
        expected = csrf_for(secret=get_settings().secret_key, session_token=basis)
        if hmac.compare_digest(expected.encode(), token.encode()):
            return
    raise Forbidden([Problem("auth.csrf_failed", "", {})], "missing or wrong CSRF token")


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token has been checked (403 otherwise)."""
    form = await request.form(max_fields=5000)
    csrf_check(request, form.get(CSRF_FIELD))
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def cookie_set(response: Response, name: str, value: str, max_age: int) -> None:
    """Set a cookie with the flags every Clearway cookie carries."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies)


def cookie_clear(response: Response, name: str) -> None:
    """Remove a cookie set by `cookie_set`."""
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=get_settings().secure_cookies)


def session_start(response: Response, token: str) -> None:
    """Give the browser its session cookie (HttpOnly, SameSite=Lax, Secure when configured)."""
    cookie_set(response, SESSION_COOKIE, token, get_settings().token_ttl_minutes * 60)
    cookie_clear(response, PRESESSION_COOKIE)


def page_locale(request: Request) -> str:
    """The language of a page: the `lang` cookie, else Accept-Language, else English."""
    return negotiate(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))


def principal_or_none(request: Request) -> Principal | None:
    """The user of the browser session, or None when there is none or it is no longer valid (may query)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        claims = token_claims(token=cookie, secret=get_settings().secret_key, kind="s")
        return principal_from_claims(claims=claims, sessions=get_read_sessionmaker())
    except DomainError:
        return None


def safe_next(value: object) -> str:
    """A local path to go to after a form, never another site (browsers drop tabs and newlines: refuse them)."""
    if isinstance(value, str) and value.startswith("/") and len(value) <= 512 \
            and not any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7f for c in value) and not value.startswith("//"):
        return value
    return HOME
