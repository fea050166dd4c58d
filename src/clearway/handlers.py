"""Exception handlers: every error leaves as an RFC 9457 problem document, localized."""

from __future__ import annotations

import logging
import os
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from clearway.config import get_settings
from clearway.errors import PROBLEM_BASE, DomainError, Problem
from clearway.i18n import negotiate, translate
from clearway.methods import allowed_methods
from clearway.problems import from_pydantic

log = logging.getLogger("clearway")
PROBLEM_JSON = "application/problem+json"
_HTTP_SLUGS = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 406: "not-acceptable", 409: "conflict", 413: "payload-too-large",
    415: "unsupported-media-type", 422: "validation-failed", 429: "too-many-requests",
}


def _locale(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"), request.cookies.get("lang"))


def problem_body(*, status: int, slug: str, title_code: str, problems: list[Problem], detail: str | None,
                 locale: str, instance: str) -> dict[str, Any]:
    """The problem document for an error."""
    errors = []
    for p in problems:
        entry: dict[str, Any] = {"code": p.code, "pointer": p.pointer,
                                 "message": translate(p.code, locale, **p.params)}
        if "parameter" in p.params:
            entry["parameter"] = p.params["parameter"]
        if "party" in p.params:  # a hold: who must act next
            entry["party"] = p.params["party"]
        errors.append(entry)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug, "title": translate(title_code, locale), "status": status,
        "code": problems[0].code if problems else slug, "instance": instance, "errors": errors,
    }
    body["detail"] = detail or (errors[0]["message"] if errors else body["title"])
    return body


def problem_response(request: Request, *, status: int, slug: str, title_code: str, problems: list[Problem],
                     detail: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """A problem+json response for the request."""
    locale = _locale(request)
    body = problem_body(status=status, slug=slug, title_code=title_code, problems=problems, detail=detail,
                        locale=locale, instance=request.url.path)
    response = Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)
    # The messages are in the negotiated language (RFC 9110 §8.5, §12.5.5).
    response.headers["Content-Language"] = locale
    response.headers.setdefault("Vary", "Accept-Language, Cookie")
    return response


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_response(request, status=exc.status, slug=exc.slug, title_code=exc.title_code,
                            problems=exc.problems, detail=exc.detail, headers=exc.headers or None)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_response(request, status=400, slug="malformed-json", title_code="problem.malformed_json",
                                problems=[Problem("body.malformed", "", {})])
    problems = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        (p,) = from_pydantic([err], strip=1)
        if loc and loc[0] in ("query", "path", "header", "cookie"):
            p = Problem(p.code, "", {**p.params, "parameter": str(loc[-1]) if len(loc) > 1 else loc[0]})
        problems.append(p)
    return problem_response(request, status=422, slug="validation-failed",
                            title_code="problem.validation_failed", problems=problems)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug = _HTTP_SLUGS.get(exc.status_code, "http-error")
    code = "http." + slug.replace("-", "_")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:  # Starlette names the methods of one route only; the path may have several
        headers["Allow"] = allowed_methods(request.app.router.routes, request.scope)
    return problem_response(request, status=exc.status_code, slug=slug, title_code=f"problem.{slug.replace('-', '_')}",
                            problems=[Problem(code, "", {})], headers=headers or None)


async def _data_error(request: Request, exc: Exception) -> Response:
    # A value the database cannot store (a last line of defence behind the schemas).
    log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(request, status=422, slug="validation-failed", title_code="problem.validation_failed",
                            problems=[Problem("field.unstorable", "", {})])


def _busy(exc: OperationalError) -> bool:
    """True for a database that is busy (SQLite's write lock, a PostgreSQL lock or statement timeout)."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(mark in text for mark in ("database is locked", "database table is locked", "lock timeout",
                                         "canceling statement due to lock timeout", "deadlock detected"))


def _timed_out(exc: OperationalError) -> bool:
    """True for a statement the database cancelled for running past db_statement_timeout_ms (clearway.db)."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    # PostgreSQL's statement_timeout; SQLite's progress handler aborts with "interrupted".
    return "canceling statement due to statement timeout" in text or text.strip() == "interrupted"


# Seconds a client is asked to wait before retrying a request whose statement ran out of time.
RETRY_AFTER_TIMEOUT_S = 5

# Signs of storage that cannot take a write now: a full disk or a volume gone read-only (SQLite and PostgreSQL).
_STORAGE = ("database or disk is full", "no space left on device", "attempt to write a readonly database",
            "read-only file system")
# Seconds a client is asked to wait when the storage is full or read-only: an operator has to act.
RETRY_AFTER_STORAGE_S = 30


def _storage_failed(exc: DBAPIError) -> bool:
    """True for a write refused because the database's disk is full or read-only."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(mark in text for mark in _STORAGE)


def _read_only_volume() -> bool:
    """True if the SQLite database's folder is on a volume mounted read-only (statvfs says so, not a guess)."""
    url = get_settings().database_url
    if not url.startswith("sqlite:///"):
        return False
    try:
        return bool(os.statvfs(os.path.dirname(url.removeprefix("sqlite:///")) or ".").f_flag & os.ST_RDONLY)
    except OSError:
        return False


# Signs of a database that cannot be reached right now (down, failing over, restarting, a standby taking over).
_UNREACHABLE = ("connection refused", "could not connect", "server closed the connection", "terminating connection",
                "connection to server", "connection is closed", "the database system is in recovery mode",
                "the database system is starting up", "the database system is shutting down",
                "cannot execute", "read-only transaction", "consuming input failed", "ssl syscall error",
                "timeout expired", "connection failed", "no connection to the server",
                "unable to open database file", "disk i/o error")  # SQLite: its file or disk is gone
# Seconds a client is asked to wait before retrying when the database cannot be reached.
RETRY_AFTER_UNAVAILABLE_S = 5


def _unavailable_page(request: Request) -> Response | None:
    """The HTML "temporarily unavailable" page for a browser's page request, if the app has one (clearway.web)."""
    page = getattr(request.app.state, "unavailable_page", None)
    if page is None or request.url.path.startswith("/api/"):
        return None
    response: Response = page(request)
    return response


def _database_unavailable(request: Request) -> Response:
    """503 with Retry-After: problem+json for the API, the localised page for browsers."""
    headers = {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S)}
    page = _unavailable_page(request)
    if page is not None:
        page.headers.update(headers)
        return page
    return problem_response(request, status=503, slug="service-unavailable", title_code="problem.unavailable",
                            problems=[Problem("server.database_unavailable", "", {})], headers=headers)


def _unreachable(exc: DBAPIError) -> bool:
    """True for a database that cannot be reached or cannot take writes now (not for a broken query)."""
    if exc.connection_invalidated:
        return True
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(mark in text for mark in _UNREACHABLE)


async def _database(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)  # a busy OperationalError never gets here: _operational answers it first
    if not _unreachable(exc):
        return await _unexpected(request, exc)
    # A failover or restart: the client retries later; with the same Idempotency-Key a write is never made twice.
    log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc.orig or exc)
    return _database_unavailable(request)


async def _pool_timeout(request: Request, exc: Exception) -> Response:
    # Every pooled connection is stuck (a database that stopped answering): as unreachable, never a 500.
    log.warning("no database connection free on %s %s: %s", request.method, request.url.path, exc)
    return _database_unavailable(request)


async def _operational(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OperationalError)
    if _timed_out(exc):
        # The slow statement was cancelled and its transaction rolled back: nothing stored, the connection free.
        log.warning("statement timeout on %s %s", request.method, request.url.path)
        return problem_response(request, status=503, slug="service-unavailable", title_code="problem.statement_timeout",
                                problems=[Problem("server.statement_timeout", "", {})],
                                headers={"Retry-After": str(RETRY_AFTER_TIMEOUT_S)})
    if _read_only_volume():
        # SQLite in WAL mode cannot even open its file on a read-only volume (reads fail too): an operator must act.
        log.error("database volume read-only on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(request, status=503, slug="service-unavailable", title_code="problem.unavailable",
                                problems=[Problem("server.storage_read_only", "", {})],
                                headers={"Retry-After": str(RETRY_AFTER_STORAGE_S)})
    if _storage_failed(exc):
        # The write was refused whole (the transaction rolled back): nothing half-stored, retry once space is back.
        log.error("database storage full or read-only on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(request, status=503, slug="service-unavailable", title_code="problem.unavailable",
                                problems=[Problem("server.storage_unavailable", "", {})],
                                headers={"Retry-After": str(RETRY_AFTER_STORAGE_S)})
    if not _busy(exc):
        return await _database(request, exc)
    # Busy is not broken: the client may try again shortly (nothing was written, the transaction rolled back).
    log.warning("database busy on %s %s", request.method, request.url.path)
    return problem_response(request, status=503, slug="service-unavailable", title_code="problem.busy",
                            problems=[Problem("server.busy", "", {})], headers={"Retry-After": "2"})


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, status=500, slug="internal-error", title_code="problem.internal_error",
                            problems=[Problem("server.internal_error", "", {})])


def install_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on an app."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(Exception, _unexpected)
