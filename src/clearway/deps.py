"""FastAPI dependencies shared by every router: session, principal, roles, locale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, NamedTuple

from fastapi import Depends, Header, Request
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, SessionTransaction
from starlette.concurrency import run_in_threadpool

from clearway.auth.schemas import Principal
from clearway.auth.service import principal_cache, principal_from_claims, principal_recheck, token_claims
from clearway.auth.tokens import csrf_for
from clearway.config import get_settings
from clearway.db import (
    RequestSession,
    get_read_sessionmaker,
    read_session_scope,
    reports_session_scope,
    session_scope,
)
from clearway.errors import Forbidden, Problem, Unauthenticated
from clearway.holds import Release
from clearway.i18n import negotiate

SESSION_COOKIE = "cw_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

DbSession = Annotated[Session, Depends(session_scope)]
# Reports, dashboards and the public portal: the read replica when configured (never for writes).
ReportSession = Annotated[Session, Depends(reports_session_scope)]
# Requests that only read but are not GETs (a rule's test-run): on SQLite they never take the write lock.
ReadSession = Annotated[Session, Depends(read_session_scope)]


def _credentials(request: Request) -> tuple[str, str] | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("expected a Bearer token")
        return token.strip(), "b"
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, "s") if cookie else None


class _Verified(NamedTuple):
    """A presented token, its kind ('b' bearer, 's' browser session) and its claims, signature already checked."""

    token: str
    kind: str
    claims: dict[str, Any]


def _verified(request: Request) -> _Verified | None:
    """The caller's credentials, verified once (401 if invalid); None when it presented none."""
    found = _credentials(request)
    if found is None:
        return None
    token, kind = found
    return _Verified(token, kind, token_claims(token=token, secret=get_settings().secret_key, kind=kind))


def _principal(request: Request, found: _Verified, fresh: bool | None = None) -> Principal:
    """The principal behind verified credentials, with the CSRF check for cookie-authenticated API writes."""
    principal = principal_from_claims(claims=found.claims, sessions=get_read_sessionmaker(),
                                      fresh=request.method not in SAFE_METHODS if fresh is None else fresh)
    if found.kind == "s" and request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        expected = csrf_for(secret=get_settings().secret_key, session_token=found.token)
        if request.headers.get(CSRF_HEADER) != expected:
            raise Forbidden([Problem("auth.csrf_failed", "", {})], "missing or wrong CSRF token")
    return principal


def principal_from_request(request: Request) -> Principal | None:
    """The caller if it presented valid credentials, None if it presented none (may query once)."""
    found = _verified(request)
    return None if found is None else _principal(request, found)


# Kept on each route: whether its endpoint (or one of its dependencies) takes the request's session.
_TAKES_SESSION = "_clearway_takes_request_session"
RECHECK = "clearway.principal_recheck"  # request.state: (claims, principal) a write's transaction re-reads


def _takes_request_session(request: Request) -> bool:
    """Whether this request's route writes through the request's session (its dependencies say so)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return False
    known = getattr(route, _TAKES_SESSION, None)
    if known is None:
        pending, known = [dependant], False
        while pending and not known:
            node = pending.pop()
            known = node.call is session_scope
            pending.extend(node.dependencies)
        setattr(route, _TAKES_SESSION, known)
    return bool(known)


@event.listens_for(RequestSession, "after_begin")
def _recheck_in_transaction(session: Session, _transaction: SessionTransaction, conn: Connection) -> None:
    """A write that trusted a cached principal re-reads the user first thing in each of its transactions."""
    request = getattr(session, "_request", None)
    pending = getattr(request.state, RECHECK, None) if request is not None else None
    if pending is not None:
        principal_recheck(conn=conn, claims=pending[0], principal=pending[1])


async def principal_optional(request: Request) -> Principal | None:
    """Dependency form of principal_from_request: a cached user costs no thread hop and no query.

    A write (any method but GET/HEAD/OPTIONS) must see the user as it is when it writes. When its route
    writes through the request's session and this process knows the user, the look-up is folded into the
    write's own transaction (`principal_recheck` at its begin) instead of a transaction of its own.
    """
    found = _verified(request)
    if found is None:
        return None
    cached = principal_cache.get(found.claims["u"]) is not None
    if request.method in SAFE_METHODS and cached:
        principal = _principal(request, found)
    elif cached and _takes_request_session(request):
        principal = _principal(request, found, fresh=False)
        setattr(request.state, RECHECK, (found.claims, principal))
    else:
        principal = await run_in_threadpool(_principal, request, found)
    request.state.principal = principal  # the request's session reads it (clearway.db.RequestSession)
    return principal


async def principal_required(principal: Annotated[Principal | None, Depends(principal_optional)]) -> Principal:
    """The authenticated caller, or 401 with WWW-Authenticate."""
    if principal is None:
        raise Unauthenticated("authentication required")
    return principal


CurrentUser = Annotated[Principal, Depends(principal_required)]


def roles(*allowed: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only the given roles (403 otherwise)."""

    async def check(principal: CurrentUser) -> Principal:
        if principal.role not in allowed:
            raise Forbidden([Problem("auth.role_forbidden", "", {"role": principal.role})])
        return principal

    return check


CurrentTrader = Annotated[Principal, Depends(roles("trader"))]
CurrentOfficer = Annotated[Principal, Depends(roles("officer"))]
CurrentAdmin = Annotated[Principal, Depends(roles("admin"))]
CurrentAuditor = Annotated[Principal, Depends(roles("auditor", "admin"))]


async def locale_of(request: Request) -> str:
    """The caller's locale from the lang cookie or Accept-Language."""
    return negotiate(request.headers.get("accept-language"), request.cookies.get("lang"))


Locale = Annotated[str, Depends(locale_of)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
           description="A client-chosen key: a retry with the same key and body gives the same answer"),
]


async def release_of(request: Request) -> Release:
    """The application's one release decision, from its wiring (see `clearway.assembly`); async: no thread hop."""
    return request.app.state.wiring.release


Releaser = Annotated[Release, Depends(release_of)]
