"""Errors on HTML pages: a friendly page (or the sign-in page) instead of problem+json.

The JSON API keeps its problem documents: for paths under /api/ these handlers pass the error
on to whichever handler the app registered for DomainError or HTTPException (the problem+json
ones `clearway.handlers` installs), so the API answer is exactly what it would have been.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from clearway.deps import SESSION_COOKIE
from clearway.errors import DomainError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from clearway.i18n import translate
from clearway.methods import allowed_methods
from clearway.web.render import render
from clearway.web.security import cookie_clear, page_locale, principal_or_none


def is_api(request: Request) -> bool:
    """True for the JSON API, whose errors stay problem+json."""
    return request.url.path.startswith("/api/")


async def _as_api(request: Request, exc: Exception, base: type[Exception]) -> Response:
    handler = request.app.exception_handlers[base]
    if is_async_callable(handler):
        response: Response = await handler(request, exc)
        return response
    return await run_in_threadpool(handler, request, exc)


def error_page(request: Request, status: int, messages: list[str] | None = None) -> Response:
    """The HTML page for an HTTP error status, in the caller's language."""
    kind = status if status in (403, 404) else 400
    return render(request, "error.html", user=principal_or_none(request), status=status, kind=kind,
                  messages=messages or [])


def unavailable_page(request: Request) -> Response:
    """The "temporarily unavailable" page (503) when the database cannot be reached: it reads nothing from it."""
    # No user: finding the browser's user would ask the database that is not answering.
    return render(request, "unavailable.html", user=None, status=503)


def _to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = "/login" if request.url.path in ("/login", "/logout") else f"/login?next={quote(target, safe='')}"
    response = RedirectResponse(login, status_code=303)
    cookie_clear(response, SESSION_COOKIE)
    return response


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if is_api(request):
        return await _as_api(request, exc, DomainError)
    if isinstance(exc, Unauthenticated):
        return _to_sign_in(request)
    if isinstance(exc, NotFound):  # never echo what was asked for: it may be someone else's
        return await run_in_threadpool(error_page, request, 404)
    locale = page_locale(request)
    messages = [translate(p.code, locale, **p.params) for p in exc.problems]
    return await run_in_threadpool(error_page, request, exc.status, messages)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if is_api(request):
        return await _as_api(request, exc, HTTPException)
    messages = [] if exc.status_code == 404 else [translate("http.method_not_allowed", page_locale(request))]
    response = await run_in_threadpool(error_page, request, exc.status_code, messages)
    if exc.status_code == 405:
        response.headers["Allow"] = allowed_methods(request.app.router.routes, request.scope)
    return response


def install_error_pages(app: FastAPI) -> None:
    """Register the HTML error handlers (they take precedence over the generic DomainError one)."""
    for kind in (NotFound, Unauthenticated, Forbidden, ValidationFailed):
        app.add_exception_handler(kind, _domain_error)
    for status in (404, 405):
        app.add_exception_handler(status, _http_error)
    # clearway.handlers answers a page request with this when the database cannot be reached.
    app.state.unavailable_page = unavailable_page

