"""The event stream, against a real nats-server with JetStream: every event once, in order, after faults.

A relay that fails after publishing part of a batch (or is killed with SIGKILL) republishes the batch,
and the stream stores each event once (Nats-Msg-Id deduplication): no gap, no duplicate.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from clearway.declarations.models import DeclarationEvent
from clearway.notifications.stream import StreamMessage, subject_of
from tests.factories import job_context, lodge_direct
from tests.notifications.conftest import FAST
from tests.server import free_port

NATS = shutil.which("nats-server")


@pytest.fixture(scope="module")
def nats_url() -> Iterator[str]:
    """A JetStream server on 127.0.0.1 with its own store, for this module."""
    if NATS is None:
        pytest.fail("nats-server is not installed (make install installs it)")
    port, store = free_port(), tempfile.mkdtemp(prefix="clearway-nats-")
    proc = subprocess.Popen([NATS, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _listening(port):
            assert time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(store, ignore_errors=True)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def stream(nats_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh stream name per test (the server outlives the test database)."""
    from clearway.notifications.settings import stream_settings

    name = f"T{time.monotonic_ns()}"
    monkeypatch.setenv("CLEARWAY_STREAM_URL", nats_url)
    monkeypatch.setenv("CLEARWAY_STREAM_NAME", name)
    stream_settings.cache_clear()
    yield name
    asyncio.run(_js_call(nats_url, lambda js: js.delete_stream(name)))
    stream_settings.cache_clear()


async def _js_call(url: str, call: Any) -> Any:
    import nats

    nc = await nats.connect(url)
    try:
        return await call(nc.jetstream())
    finally:
        await nc.close()


def _stored(url: str, name: str) -> list[dict[str, Any]]:
    """Every message the stream holds, in stream order, with its subject and message id."""

    async def read(js: Any) -> list[dict[str, Any]]:
        info = await js.stream_info(name)
        out: list[dict[str, Any]] = []
        if info.state.messages == 0:
            return out
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(name, seq)
            out.append({**json.loads(msg.data), "subject": msg.subject, "msg_id": msg.headers["Nats-Msg-Id"]})
        return out

    return list(asyncio.run(_js_call(url, read)))


def _events(db: Any) -> list[int]:
    with db.begin():
        return list(db.scalars(select(DeclarationEvent.id).order_by(DeclarationEvent.id)))


def _pump(ctx: Any) -> None:
    from clearway.notifications.jobs import relay, stream

    relay(ctx)
    stream(ctx)


def test_every_event_goes_on_the_stream_once_with_its_domain_and_office_subject(client, db, nats_url, stream):
    lodge_direct("trader-a", 5)
    ctx = job_context()
    try:
        _pump(ctx)
        _pump(ctx)  # a second pass publishes nothing again
    finally:
        ctx.close()
    stored = _stored(nats_url, stream)
    assert [m["msg_id"] for m in stored] == [f"clearway-event-{i}" for i in _events(db)]
    first = stored[0]
    assert first["subject"] == subject_of(first["type"], first["declaration"]["office"])
    assert first["subject"].startswith("clearway.declarations.") and first["declaration"]["mrn"]


def test_a_relay_failing_mid_batch_republishes_and_the_stream_keeps_one_copy(client, db, nats_url, stream):
    from clearway.db import utcnow
    from clearway.notifications.jobs import publisher_of, relay
    from clearway.notifications.stream import stream_publish_once

    lodge_direct("trader-a", 6)
    ctx = job_context()
    try:
        relay(ctx)
        publisher = publisher_of(ctx)

        def dies_after_five(messages: Sequence[StreamMessage]) -> int:
            publisher.publish(messages[:5])  # these reach the stream
            raise ConnectionError("relay killed mid-batch")

        with pytest.raises(ConnectionError), db.begin():
            stream_publish_once(db=db, publish=dies_after_five, batch=1000, now=utcnow())
        assert len(_stored(nats_url, stream)) == 5  # part of the batch is out, the high-water mark is not
        with db.begin():
            stream_publish_once(db=db, publish=publisher.publish, batch=1000, now=utcnow())
    finally:
        ctx.close()
    ids = [m["msg_id"] for m in _stored(nats_url, stream)]
    assert ids == [f"clearway-event-{i}" for i in _events(db)]  # no gap, no duplicate, in order


def test_the_stream_lag_of_a_consumer_is_on_metrics(client, db, nats_url, stream, monkeypatch):
    from nats.js.api import ConsumerConfig

    from clearway.performance.settings import performance_settings

    monkeypatch.setenv("CLEARWAY_PERFORMANCE_METRICS_CACHE_S", "0")
    performance_settings.cache_clear()
    lodge_direct("trader-a", 3)
    ctx = job_context()
    try:
        _pump(ctx)  # creates the stream
        asyncio.run(_js_call(nats_url, lambda js: js.add_consumer(stream, ConsumerConfig(durable_name="warehouse"))))
        _pump(ctx)  # records the consumer's lag
    finally:
        ctx.close()
    events = len(_events(db))
    text = client.get("/metrics").text
    assert f'clearway_stream_consumer_pending{{consumer="warehouse"}} {float(events)}' in text
    assert "clearway_stream_unpublished_events 0.0" in text


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_worker_killed_while_streaming_leaves_no_gap_and_no_duplicate(client, db, db_url, nats_url, stream):
    lodge_direct("trader-a", 60)
    env = {**os.environ, **FAST, "CLEARWAY_DATABASE_URL": db_url, "CLEARWAY_STREAM_URL": nats_url,
           "CLEARWAY_STREAM_NAME": stream, "CLEARWAY_STREAM_BATCH": "7", "CLEARWAY_STREAM_POLL_S": "0.05"}
    expected = len(_events(db))

    def worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "clearway.cli", "worker"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stored() -> int:
        return len(_stored(nats_url, stream)) if _exists(nats_url, stream) else 0

    kills = 0
    while kills < 3 and stored() < expected:  # killed while publishing, at different points
        proc = worker()
        started = time.monotonic()
        while stored() == 0 and time.monotonic() - started < 30:
            time.sleep(0.05)
        time.sleep(0.1 * kills)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills += 1
    proc = worker()  # and one left to finish
    try:
        deadline = time.monotonic() + 60
        while stored() < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # a duplicate would arrive now
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    ids = [m["msg_id"] for m in _stored(nats_url, stream)]
    assert kills >= 1
    assert ids == [f"clearway-event-{i}" for i in _events(db)]
    with db.begin():
        assert db.scalar(select(func.count()).select_from(DeclarationEvent)) == expected


def _exists(url: str, name: str) -> bool:
    async def info(js: Any) -> bool:
        try:
            await js.stream_info(name)
        except Exception:
            return False
        return True

    return bool(asyncio.run(_js_call(url, info)))
