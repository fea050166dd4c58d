"""The ASGI application: routers, middleware, error handlers. No work at import time."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearway import __version__
from clearway.config import get_settings
from clearway.declarations.schemas import DeclarationAmend, DeclarationCreate
from clearway.errors import PayloadTooLarge, Problem
from clearway.handlers import install_handlers, problem_body
from clearway.openapi_docs import ProblemDocument

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
        import orjson

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


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    from clearway.sealer import Sealer

    settings = get_settings()
    # Fewer, busier threads: each extra thread adds GIL hand-offs, not throughput, on a few cores.
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    gc_tune()
    seal = settings.audit_seal_in_server and settings.audit_seal_interval_s > 0
    sealer = Sealer(settings.audit_seal_interval_s) if seal else None
    if sealer:
        sealer.start()
    yield
    if sealer:
        sealer.stop()


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
        from clearway.db import get_engine
        from clearway.migrate import is_at_head

        try:
            ready = is_at_head(get_engine())
        except Exception:  # any database failure means "not ready", never a 500
            ready = False
        body = b'{"status":"ready"}' if ready else b'{"status":"not ready"}'
        return Response(body, status_code=200 if ready else 503, media_type="application/json")

    # Prometheus: request metrics middleware and /metrics (database gauges read at scrape time).
    from clearway.performance.metrics import install_metrics

    install_metrics(app)


def _install_risk(app: FastAPI) -> None:
    """The risk engine's API routers, and its decider in the lodging seam (the default until configured)."""
    from clearway.risk.router import router as risk_router
    from clearway.risk.router_models import router as risk_models_router
    from clearway.risk.service import engine_install

    for router in (risk_router, risk_models_router):
        app.include_router(router, prefix=API)
    engine_install()


def create_app() -> FastAPI:
    """Build the Clearway application from the current settings."""
    from clearway.auth.router import router as auth_router
    from clearway.controls.decisions_router import router as controls_decisions_router
    from clearway.controls.router import router as controls_router
    from clearway.declarations.router import router as declarations_router
    from clearway.notifications.router import router as notifications_router
    from clearway.performance.router import router as performance_router  # release times, effectiveness, revenue
    from clearway.reference.router import router as reference_router
    from clearway.tariff.router import router as tariff_router
    from clearway.web.routes import install_web

    settings = get_settings()
    app = FastAPI(
        title="Clearway", version=__version__, lifespan=_lifespan,
        description="Open-source customs clearance and risk management. Errors are RFC 9457 problem documents.",
        openapi_url=f"{API}/openapi.json", docs_url=f"{API}/docs", redoc_url=None,
    )
    # Controls (work queue, checks, release) and notifications (pull feed, webhook endpoint).
    for router in (controls_router, controls_decisions_router, notifications_router):
        app.include_router(router, prefix=API)
    for router in (auth_router, declarations_router, reference_router, tariff_router, performance_router):
        app.include_router(router, prefix=API)
    _install_risk(app)  # risk engine: its API, and its decider in the lodging seam
    from clearway.tariff.service import controls_seam_install

    controls_seam_install()  # tariff: officer release needs the duty paid or guaranteed (controls' payment seam)
    install_web(app)
    install_handlers(app)
    _install_health(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
