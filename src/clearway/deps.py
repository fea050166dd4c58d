"""FastAPI dependencies shared by every router: session, principal, roles, locale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.auth.service import principal_from_token
from clearway.auth.tokens import csrf_for
from clearway.config import get_settings
from clearway.db import get_sessionmaker, session_scope
from clearway.errors import Forbidden, Problem, Unauthenticated
from clearway.i18n import negotiate

SESSION_COOKIE = "cw_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

DbSession = Annotated[Session, Depends(session_scope)]


def _lookup(token: str, kind: str) -> Principal:
    settings = get_settings()
    with get_sessionmaker()() as db:
        return principal_from_token(db=db, token=token, secret=settings.secret_key, kind=kind)


def principal_optional(request: Request) -> Principal | None:
    """The caller if it presented valid credentials, None if it presented none."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("expected a Bearer token")
        return _lookup(token.strip(), "b")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = _lookup(cookie, "s")
    if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        expected = csrf_for(secret=get_settings().secret_key, session_token=cookie)
        if request.headers.get(CSRF_HEADER) != expected:
            raise Forbidden([Problem("auth.csrf_failed", "", {})], "missing or wrong CSRF token")
    return principal


def principal_required(principal: Annotated[Principal | None, Depends(principal_optional)]) -> Principal:
    """The authenticated caller, or 401 with WWW-Authenticate."""
    if principal is None:
        raise Unauthenticated("authentication required")
    return principal


CurrentUser = Annotated[Principal, Depends(principal_required)]


def roles(*allowed: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through only the given roles (403 otherwise)."""

    def check(principal: CurrentUser) -> Principal:
        if principal.role not in allowed:
            raise Forbidden([Problem("auth.role_forbidden", "", {"role": principal.role})])
        return principal

    return check


CurrentTrader = Annotated[Principal, Depends(roles("trader"))]
CurrentOfficer = Annotated[Principal, Depends(roles("officer"))]
CurrentAdmin = Annotated[Principal, Depends(roles("admin"))]
CurrentAuditor = Annotated[Principal, Depends(roles("auditor", "admin"))]


def locale_of(request: Request) -> str:
    """The caller's locale from the lang cookie or Accept-Language."""
    return negotiate(request.headers.get("accept-language"), request.cookies.get("lang"))


Locale = Annotated[str, Depends(locale_of)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
           description="A client-chosen key: a retry with the same key and body gives the same answer"),
]
