"""The notification backlog on /metrics: deliveries waiting, retrying or dead-lettered, and outbox rows not relayed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import auth, job_context, lodge_direct
from tests.notifications.conftest import endpoint, hook_url
from tests.server import free_port


@pytest.fixture(autouse=True)
def fresh_gauges(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Database gauges read at every scrape, not kept for seconds (nor left cached for later tests)."""
    from clearway.performance import metrics
    from clearway.performance.settings import performance_settings

    monkeypatch.setenv("CLEARWAY_PERFORMANCE_METRICS_CACHE_S", "0")
    performance_settings.cache_clear()
    yield
    performance_settings.cache_clear()
    metrics._database._at = -1e9  # the next scrape reads the database again


def _backlog(client: Any) -> dict[str, float]:
    body = client.get("/metrics").text
    (family,) = [f for f in text_string_to_metric_families(body) if f.name == "clearway_notification_backlog"]
    return {sample.labels["kind"]: sample.value for sample in family.samples}


def test_metrics_show_the_notification_backlog_by_state(client, db, monkeypatch):
    from clearway.db import utcnow
    from clearway.notifications.jobs import deliver, relay
    from clearway.notifications.service import notification_emit
    from clearway.notifications.settings import webhook_settings

    monkeypatch.setenv("CLEARWAY_WEBHOOK_RETRY_BASE_S", "600")  # a failed delivery stays "retrying" here
    webhook_settings.cache_clear()
    endpoint(client, hook_url(free_port()))  # nobody listens there: every attempt fails
    lodge_direct("trader-a", 2)
    assert _backlog(client) == {"pending": 0, "retrying": 0, "dead": 0, "outbox": 0}  # every series, even at zero
    relay(job_context())  # three notifications per declaration, each with a delivery
    assert _backlog(client) == {"pending": 6, "retrying": 0, "dead": 0, "outbox": 0}
    deliver(job_context())  # the first of each declaration is tried and fails; the later ones wait behind it
    assert _backlog(client) == {"pending": 4, "retrying": 2, "dead": 0, "outbox": 0}
    with db.begin():
        notification_emit(db=db, organisation="KR1000000001", kind="declaration.rejected", data={"lrn": "BULK-1"},
                          now=utcnow())
    assert _backlog(client)["outbox"] == 1
    r = client.delete("/api/v1/notifications/endpoint", headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text  # removing the endpoint dead-letters what was waiting
    assert _backlog(client) == {"pending": 0, "retrying": 0, "dead": 6, "outbox": 1}


def test_a_first_attempt_in_flight_is_pending_and_delivered_ones_are_not_counted(db_url, db):
    from sqlalchemy import insert

    from clearway.db import utcnow
    from clearway.notifications.models import Delivery, Notification
    from clearway.notifications.service import outbox_backlog

    now = utcnow()
    states = [("delivered", 1, None), ("pending", 1, None), ("pending", 3, "HTTP 500"), ("dead", 12, "HTTP 500")]
    with db.begin():
        ids = db.scalars(insert(Notification).returning(Notification.id, sort_by_parameter_order=True), [
            {"organisation": "KR1000000001", "seq": n, "kind": "declaration.accepted", "payload": {},
             "created_at": now} for n in range(1, len(states) + 1)]).all()
        db.execute(insert(Delivery), [
            {"notification_id": nid, "organisation": "KR1000000001", "ordering_key": f"n{nid}", "status": status,
             "attempts": attempts, "last_error": error, "next_attempt_at": now}
            for nid, (status, attempts, error) in zip(ids, states, strict=True)])
    with db.begin():
        assert outbox_backlog(db=db) == {"pending": 1, "retrying": 1, "dead": 1, "outbox": 0}
