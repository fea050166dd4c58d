"""Operations gauges for /metrics: the worker's heartbeat age and the age beyond which it counts as down.

An alarm fires on `clearway_worker_heartbeat_age_seconds > clearway_worker_heartbeat_stale_after_seconds`
(or on the gauge being absent: no heartbeat was ever written). Read with the other database gauges
(clearway.performance.gauges), at scrape time.
"""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.orm import Session

from clearway.db import utcnow
from clearway.ops.selectors import STALE_S, WORKER, events_unrelayed, heartbeat_age


def ops_gauges(db: Session) -> list[Metric]:
    """The worker heartbeat's age (absent if it never beat), the stale threshold the status page uses, and the
    events waiting for the relay."""
    age = GaugeMetricFamily("clearway_worker_heartbeat_age_seconds",
                            "Seconds since the background worker last wrote its heartbeat", labels=["worker"])
    found = heartbeat_age(db=db, now=utcnow(), name=WORKER)
    if found is not None:
        age.add_metric([WORKER], round(found, 3))
    stale = GaugeMetricFamily("clearway_worker_heartbeat_stale_after_seconds",
                              "Heartbeat age beyond which the status page reports the worker down")
    stale.add_metric([], STALE_S)
    unrelayed = GaugeMetricFamily("clearway_notification_unrelayed_events",
                                  "Declaration events not yet relayed into notifications (grows while the worker "
                                  "is down)")
    unrelayed.add_metric([], events_unrelayed(db=db))
    return [age, stale, unrelayed]
