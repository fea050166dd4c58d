"""Operational gauges read from the database: queues, lodgements and releases by channel, backlogs.

Each is one grouped COUNT over an indexed or small table. The notification backlog comes from
`clearway.notifications.service.outbox_backlog(db=...)` (by state).
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import text
from sqlalchemy.orm import Session

from clearway.db import get_sessionmaker
from clearway.exchange.metrics import exchange_gauges
from clearway.notifications.service import outbox_backlog
from clearway.notifications.stream import stream_pending
from clearway.ops.metrics import ops_gauges

QUEUE_STATUSES = ("under_control", "detained")
RELEASED_STATUSES = ("released", "cleared")


def _declarations(db: Session) -> list[Metric]:
    lodged = CounterMetricFamily("clearway_lodgements", "Declarations lodged and accepted, by channel",
                                 labels=["channel"])
    released = GaugeMetricFamily("clearway_declarations_released", "Declarations now released or cleared, by channel",
                                 labels=["channel"])
    queue = GaugeMetricFamily("clearway_control_queue_depth", "Declarations under control or detained, by office "
                              "and channel", labels=["office", "channel"])
    totals: dict[str, int] = {}
    freed: dict[str, int] = {}
    for office, status, channel, n in db.execute(text(
            "SELECT office, status, COALESCE(channel, 'none'), COUNT(*) FROM declarations "
            "GROUP BY office, status, channel")):
        totals[channel] = totals.get(channel, 0) + n
        if status in RELEASED_STATUSES:
            freed[channel] = freed.get(channel, 0) + n
        if status in QUEUE_STATUSES:
            queue.add_metric([office, channel], n)
    for channel, n in sorted(totals.items()):
        lodged.add_metric([channel], n)
        released.add_metric([channel], freed.get(channel, 0))
    return [lodged, released, queue]


def _backlogs(db: Session) -> list[Metric]:
    unsealed = GaugeMetricFamily("clearway_audit_unsealed_records", "Audit records not yet chained by the sealer")
    unsealed.add_metric([], db.execute(text("SELECT COUNT(*) FROM audit_records WHERE seq IS NULL")).scalar() or 0)
    lag = GaugeMetricFamily("clearway_performance_timeline_lag_events",
                            "Declaration events not yet folded into performance timelines")
    newest = db.execute(text("SELECT MAX(id) FROM declaration_events")).scalar() or 0
    folded = db.execute(text("SELECT last_event_id FROM performance_state WHERE id = 1")).scalar() or 0
    lag.add_metric([], max(0, newest - folded))
    found: list[Metric] = [unsealed, lag]
    gauge = GaugeMetricFamily("clearway_notification_backlog", "Notifications waiting for delivery",
                              labels=["kind"])
    for kind, n in _notification_backlog(db).items():
        gauge.add_metric([kind], n)
    found.append(gauge)
    return found


def _stream(db: Session) -> list[Metric]:
    """The event stream's lag: events not yet published, and each durable consumer's pending messages."""
    pending = stream_pending(db)
    if pending is None:  # no stream configured in this deployment
        return []
    unpublished, consumers = pending
    lag = GaugeMetricFamily("clearway_stream_unpublished_events", "Declaration events not yet on the event stream")
    lag.add_metric([], unpublished)
    consumer = GaugeMetricFamily("clearway_stream_consumer_pending",
                                 "Stream messages a durable consumer has not yet received or acknowledged",
                                 labels=["consumer"])
    for name, n in sorted(consumers.items()):
        consumer.add_metric([name], int(n))
    return [lag, consumer]


def _notification_backlog(db: Session) -> dict[str, int]:
    value = outbox_backlog(db=db)
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, Mapping) else {"all": int(value)}


def read_all() -> list[Metric]:
    """Every database gauge, read in one short read-only transaction."""
    with get_sessionmaker()() as db, db.begin():
        return [*_declarations(db), *_backlogs(db), *_stream(db), *exchange_gauges(db),
                *ops_gauges(db)]  # the worker's heartbeat age (clearway.ops.metrics)
