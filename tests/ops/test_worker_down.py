"""The worker is down: its heartbeat goes stale, /status shows it down with the backlog growing, /metrics gives
the heartbeat's age for an alarm; traders lodge meanwhile, and once a real worker process is started every
notification reaches their webhook and feed exactly once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from clearway.db import utcnow
from tests.factories import auth, document
from tests.notifications.conftest import FAST, endpoint, hook_url
from tests.notifications.receiver import read_log
from tests.notifications.test_reliability import _receiver, _stop, _until
from tests.server import free_port

LODGED = 6


def _status(client: Any) -> dict[str, Any]:
    r = client.get("/api/v1/status")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    body["parts"] = {c["key"]: c["status"] for c in body["components"]}
    return body


def _metric(client: Any, name: str) -> float | None:
    from clearway.performance.metrics import _database

    _database._at = -1e9  # read the database now, not the gauges cached (15 s) by an earlier scrape
    found = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", client.get("/metrics").text, re.M)
    return None if found is None else float(found.group(1))


def _counts(db: Any) -> tuple[int, int]:
    from clearway.notifications.models import Delivery, Notification

    with db.begin():
        made = int(db.scalar(select(func.count()).select_from(Notification)) or 0)
        delivered = int(db.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "delivered"))
                        or 0)
    return made, delivered


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_worker_down_shows_alarms_and_then_delivers_every_notification_once(client, db, db_url, tmp_path,
                                                                              monkeypatch):
    from clearway.db import get_sessionmaker
    from clearway.ops.selectors import STALE_S
    from clearway.ops.service import heartbeat_beat

    monkeypatch.setenv("CLEARWAY_PERFORMANCE_METRICS_CACHE_S", "0")
    port, log = free_port(), tmp_path / "received.jsonl"
    secret = endpoint(client, hook_url(port))
    receiver = _receiver(port, log, secret)
    try:
        stopped = utcnow() - timedelta(minutes=5)  # the worker's last beat, before it stopped
        with get_sessionmaker()() as session, session.begin():
            heartbeat_beat(db=session, name="worker", now=stopped, started_at=stopped - timedelta(hours=1))
        trader = auth(client, "trader-a")
        mrns = set()
        for _ in range(LODGED):
            r = client.post("/api/v1/declarations", json=document(), headers=trader)
            assert r.status_code == 201, r.text
            mrns.add(r.json()["mrn"])

        down = _status(client)
        assert down["parts"]["worker"] == "down" and down["status"] == "down"
        assert down["backlog"]["events"] >= 2 * LODGED and down["backlog"]["worker_stale_after_s"] == STALE_S
        assert down["backlog"]["worker_beat_age_s"] >= 300
        age = _metric(client, "clearway_worker_heartbeat_age_seconds")
        threshold = _metric(client, "clearway_worker_heartbeat_stale_after_seconds")
        assert age is not None and threshold == STALE_S and age > threshold  # the alarm's condition holds
        page = client.get("/status", headers={"Accept-Language": "es"})
        waiting = down["backlog"]["events"] + down["backlog"]["outbox"]
        assert f'data-backlog-events="{waiting}"' in page.text
        unrelayed = _metric(client, "clearway_notification_unrelayed_events")
        assert unrelayed is not None and unrelayed >= 2 * LODGED
        assert "El proceso en segundo plano informó por última vez" in page.text
        assert client.get("/api/v1/notifications", headers=trader).json()["items"] == []  # nothing relayed yet
        assert read_log(str(log)) == []

        env = {**os.environ, **FAST, "CLEARWAY_DATABASE_URL": db_url}
        worker = subprocess.Popen([sys.executable, "-m", "clearway.cli", "worker"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def caught_up() -> bool:
                backlog = _status(client)["backlog"]
                made, delivered = _counts(db)
                return backlog["events"] == backlog["outbox"] == 0 and made > 0 and delivered == made

            _until(caught_up, 90)
            _until(lambda: _status(client)["parts"]["worker"] == "operational", 30)  # it beats again
            age = _metric(client, "clearway_worker_heartbeat_age_seconds")
            assert age is not None and age <= STALE_S
        finally:
            _stop(worker)
    finally:
        _stop(receiver)

    made, delivered = _counts(db)
    received = read_log(str(log))
    seqs = [r["seq"] for r in received]
    assert len(seqs) == len(set(seqs)) == made == delivered  # every notification once, none twice
    assert sorted(seqs) == list(range(1, made + 1)) and made >= 2 * LODGED  # accepted and channelled at least
    assert {r["mrn"] for r in received} == mrns
    feed = client.get("/api/v1/notifications", params={"limit": 200}, headers=auth(client, "trader-a")).json()
    assert sorted(n["seq"] for n in feed["items"]) == list(range(1, made + 1))
    backlog = _status(client)["backlog"]
    assert (backlog["events"], backlog["outbox"], backlog["pending"], backlog["retrying"], backlog["dead"]) \
        == (0, 0, 0, 0, 0)


def test_the_shipped_alert_rules_use_only_metrics_that_metrics_exposes(client, monkeypatch):
    # An alert on a metric that does not exist never fires: every name in the rules must be on /metrics.
    from pathlib import Path

    import yaml

    import clearway.ops
    from clearway.ops.jobs import heartbeat
    from tests.factories import job_context

    monkeypatch.setenv("CLEARWAY_PERFORMANCE_METRICS_CACHE_S", "0")
    heartbeat(job_context())
    rules = yaml.safe_load((Path(clearway.ops.__file__).with_name("prometheus_alerts.yml")).read_text("utf-8"))
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    names = {n for e in exprs for n in re.findall(r"\b(clearway_[a-z_]+)\b", e)}
    exposed = set(re.findall(r"^(clearway_[a-z_]+)", client.get("/metrics").text, re.M))
    assert names and names <= exposed, names - exposed
    assert {"clearway_worker_heartbeat_age_seconds", "clearway_notification_unrelayed_events",
            "clearway_database_up"} <= names
