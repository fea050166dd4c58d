"""The ASGI application: routers, middleware, error handlers. No work at import time."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import orjson
from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearway import __version__
from clearway.agencies.router import router as agencies_router
from clearway.agencies.views import router as agencies_pages
from clearway.assembly import wiring_build
from clearway.audit_trail.views import router as audit_pages
from clearway.borderposts.portal import router as borderposts_portal
from clearway.borderposts.router import router as borderposts_router
from clearway.borderposts.views import router as borderposts_pages
from clearway.classification.router import router as classification_router
from clearway.classification.rulings_router import router as classification_rulings_router
from clearway.classification.rulings_views import router as classification_rulings_pages
from clearway.classification.versions_router import router as classification_versions_router
from clearway.classification.versions_views import router as classification_versions_pages
from clearway.classification.views import router as classification_pages
from clearway.clearance.offline_router import router as crisis_reconnect_router
from clearway.clearance.router import router as clearance_router
from clearway.clearance.views import router as clearance_pages
from clearway.config import get_settings
from clearway.controls.decisions_router import router as controls_decisions_router
from clearway.controls.router import router as controls_router
from clearway.controls.views import router as controls_pages
from clearway.crisis.router import router as crisis_router
from clearway.crisis.views import router as crisis_pages
from clearway.db import get_engine, get_sessionmaker
from clearway.declarations.router import router as declarations_router
from clearway.declarations.schemas import DeclarationAmend, DeclarationCreate
from clearway.declarations.views import router as declarations_pages
from clearway.enforcement.router import router as enforcement_router
from clearway.enforcement.views import router as enforcement_pages
from clearway.errors import PayloadTooLarge, Problem
from clearway.exchange.router import router as exchange_router
from clearway.exchange.views import router as exchange_pages
from clearway.handlers import install_handlers, problem_body
from clearway.intelligence.router import router as intelligence_router
from clearway.intelligence.views import router as intelligence_pages
from clearway.methods import HeadAsGet
from clearway.migrate import is_at_head
from clearway.notifications.router import router as notifications_router
from clearway.notifications.views import router as notifications_pages
from clearway.openapi_docs import ProblemDocument
from clearway.ops.router import router as ops_router
from clearway.ops.views import router as ops_pages
from clearway.performance.metrics import install_metrics
from clearway.performance.router import router as performance_router
from clearway.performance.views import router as performance_pages
from clearway.public.views import router as public_pages
from clearway.reference.router import router as reference_router
from clearway.risk.api.router import router as risk_router
from clearway.risk.api.router_models import router as risk_models_router
from clearway.risk.api.views import router as risk_pages
from clearway.risk.api.views_models import router as risk_model_pages
from clearway.session.router import router as auth_router
from clearway.session.views import router as auth_pages
from clearway.tariff.router import router as tariff_router
from clearway.tariff.views import router as tariff_pages
from clearway.training.certification import CertificationGate
from clearway.training.router import router as training_router
from clearway.training.views import router as training_pages
from clearway.transport import StrictTransport
from clearway.web.errors import install_error_pages
from clearway.web.routes import STATIC
from clearway.web.routes import router as web_pages
from clearway.worker import JobContext, scheduler

API = "/api/v1"


class BodyLimit:
    """Refuse request bodies over a size, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(scope, send)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise PayloadTooLarge([Problem("body.too_large", "", {"max": self.max_bytes})])
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = problem_body(status=413, slug="payload-too-large", title_code="problem.payload_too_large",
                            problems=[Problem("body.too_large", "", {"max": self.max_bytes})], detail=None,
                            locale="en", instance=scope.get("path", ""))
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json")]})
        await send({"type": "http.response.body", "body": orjson.dumps(body)})


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (DeclarationCreate, DeclarationAmend, ProblemDocument):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema
    app.openapi_schema = schema
    return schema


# The JSON API's routers and the pages' routers, in the order they match (clearance before the reads it
# shares its prefix with is not needed: no two routes overlap).
API_ROUTERS: tuple[APIRouter, ...]  # domains may append theirs below
API_ROUTERS = (auth_router, clearance_router, declarations_router, reference_router, tariff_router,
               controls_router, controls_decisions_router, notifications_router, performance_router,
               risk_router, risk_models_router, classification_router,
               borderposts_router, agencies_router, exchange_router, enforcement_router,
               ops_router)
PAGE_ROUTERS: tuple[APIRouter, ...]  # domains may append theirs below
PAGE_ROUTERS = (web_pages, auth_pages, declarations_pages, clearance_pages, risk_pages, risk_model_pages,
                performance_pages,
                public_pages, tariff_pages, controls_pages, notifications_pages, classification_pages,
                borderposts_pages, borderposts_portal, agencies_pages, exchange_pages, enforcement_pages,
                ops_pages)
API_ROUTERS = (*API_ROUTERS, crisis_router, crisis_reconnect_router)
PAGE_ROUTERS = (*PAGE_ROUTERS, crisis_pages)
API_ROUTERS = (*API_ROUTERS, intelligence_router)  # intelligence: alerts with handling markings
PAGE_ROUTERS = (*PAGE_ROUTERS, intelligence_pages)
PAGE_ROUTERS = (*PAGE_ROUTERS, audit_pages)  # audit: the auditor's trail and chain verification
API_ROUTERS = (*API_ROUTERS, classification_rulings_router)  # classification: advance-ruling workflow
API_ROUTERS = (*API_ROUTERS, classification_versions_router)  # classification: model versions
PAGE_ROUTERS = (*PAGE_ROUTERS, classification_rulings_pages)
PAGE_ROUTERS = (*PAGE_ROUTERS, classification_versions_pages)  # classification: model versions page


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    # Fewer, busier threads: each extra thread adds GIL hand-offs, not throughput, on a few cores.
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    gc_tune()
    # The demo serves and runs the worker's jobs in one process, so its feed and webhooks fill by themselves.
    jobs = None
    if settings.jobs_in_server:
        jobs = scheduler(JobContext(sessions=get_sessionmaker(), wiring=app.state.wiring), blocking=False)
        jobs.start()
    yield
    if jobs is not None:
        jobs.shutdown(wait=False)


def gc_tune() -> None:
    """Collector settings of a serving process (benchmarks apply them too, to measure what the server does)."""
    # Long-lived objects (code, reference data) leave the collector's view, and young collections
    # run less often: full collections of a large heap are what lengthen the latency tail.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _install_health(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (no database work)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], include_in_schema=False)
    def readyz() -> Response:
        """Readiness: the database answers and its schema is at the latest migration."""
        try:
            ready = is_at_head(get_engine())
        except Exception:  # any database failure means "not ready", never a 500
            ready = False
        body = b'{"status":"ready"}' if ready else b'{"status":"not ready"}'
        return Response(body, status_code=200 if ready else 503, media_type="application/json")

    # Prometheus: request metrics middleware and /metrics (database gauges read at scrape time).
    install_metrics(app)


def create_app() -> FastAPI:
    """Build the Clearway application from the current settings, with its wiring."""
    settings = get_settings()
    app = FastAPI(
        title="Clearway", version=__version__, lifespan=_lifespan,
        description="Open-source customs clearance and risk management. Errors are RFC 9457 problem documents.",
        # Closed in production unless CLEARWAY_API_DOCS_PUBLIC: the contract is published with the release.
        openapi_url=f"{API}/openapi.json" if settings.docs_open else None,
        docs_url=f"{API}/docs" if settings.docs_open else None, redoc_url=None,
    )
    app.state.wiring = wiring_build()
    for router in API_ROUTERS:
        app.include_router(router, prefix=API)
    app.include_router(training_router, prefix=API)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for pages in PAGE_ROUTERS:
        app.include_router(pages)
    app.include_router(training_pages)
    install_error_pages(app)
    install_handlers(app)
    _install_health(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(CertificationGate)  # writing rules and promoting models may ask for a certificate
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Large documents (the OpenAPI, lists, exports) travel compressed to clients that ask for it.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(HeadAsGet)
    if settings.secure_cookies and settings.hsts_max_age_s:  # served over https: browsers must keep to it
        app.add_middleware(StrictTransport, max_age_s=settings.hsts_max_age_s)
    return app
