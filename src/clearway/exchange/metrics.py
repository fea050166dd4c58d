"""The exchange's gauges for /metrics: messages per partner, direction and state; p95 lag; oldest pending;
error rate (read at scrape time by the performance domain's collector)."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.orm import Session

from clearway.db import utcnow
from clearway.exchange import selectors


def exchange_gauges(db: Session) -> list[Metric]:
    """Per-partner exchange figures as Prometheus gauge families."""
    messages = GaugeMetricFamily("clearway_exchange_messages", "Partner messages by direction and state",
                                 labels=["partner", "direction", "state"])
    failing = GaugeMetricFamily("clearway_exchange_failing", "Unsettled outgoing messages whose last try failed",
                                labels=["partner"])
    lag = GaugeMetricFamily("clearway_exchange_lag_p95_seconds", "p95 queue-to-settlement time of recent "
                            "outgoing messages", labels=["partner"])
    oldest = GaugeMetricFamily("clearway_exchange_oldest_pending_seconds", "Age of the oldest unsettled "
                               "outgoing message", labels=["partner"])
    errors = GaugeMetricFamily("clearway_exchange_error_rate", "Share of recent messages rejected or failing",
                               labels=["partner"])
    for p in selectors.partners(db=db, now=utcnow()):
        for direction, counts in (("out", p.sent), ("in", p.received)):
            for state, n in counts.model_dump().items():
                messages.add_metric([p.code, direction, state], n)
        failing.add_metric([p.code], p.failing)
        lag.add_metric([p.code], p.lag_p95_s or 0.0)
        oldest.add_metric([p.code], p.oldest_pending_s or 0.0)
        errors.add_metric([p.code], p.error_rate)
    return [messages, failing, lag, oldest, errors]
