"""Prometheus metrics at /metrics: request rates and latencies, and gauges read from the database.

Request metrics live in each process. With several worker processes, set
PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the workers (before they start):
prometheus-client then keeps them in files there and every scrape, whichever worker answers
it, adds them up. Database gauges (queue depths, lodgements and releases by channel, the
notification backlog, the audit chain's unsealed tail) are read at scrape time, so every
worker reports the same values; each process keeps them for a few seconds
(CLEARWAY_PERFORMANCE_METRICS_CACHE_S) so that frequent scrapes cost the database little.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Iterator

from fastapi import FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearway.config import get_settings
from clearway.performance import gauges
from clearway.performance.settings import performance_settings

REQUESTS = Counter("clearway_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("clearway_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


class RequestMetrics:
    """ASGI middleware counting requests and timing them, labelled by route template (bounded cardinality)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "GET") if route != "unmatched" else "other"
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


class DatabaseCollector:
    """Gauges computed from the database at scrape time, cached per process for a few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -1e9
        self._metrics: list[Metric] = []

    def collect(self) -> Iterator[Metric]:
        """The cached gauges, refreshed when older than the configured cache time."""
        with self._lock:
            if time.monotonic() - self._at >= performance_settings().metrics_cache_s:
                self._metrics, self._at = self._read(), time.monotonic()
            yield from self._metrics

    @staticmethod
    def _read() -> list[Metric]:
        up = GaugeMetricFamily("clearway_database_up", "1 when the last gauge read reached the database")
        try:
            families = gauges.read_all()
        except Exception:  # a scrape must answer even when the database does not
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]


_database = DatabaseCollector()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    registry.register(_database)
    return registry


class _Default:
    """This process's own request metrics (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        """Every metric of the default registry."""
        from prometheus_client import REGISTRY

        yield from REGISTRY.collect()


def _authorised(request: Request) -> bool:
    token = performance_settings().metrics_token
    if not token:
        return get_settings().metrics_open  # no token: open only where allowed (closed in production)
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), token.encode())


def install_metrics(app: FastAPI) -> None:
    """Add the request middleware and the /metrics endpoint to an app."""
    app.add_middleware(RequestMetrics)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus text exposition of every Clearway metric."""
        if not _authorised(request):
            return Response("unauthorised\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

