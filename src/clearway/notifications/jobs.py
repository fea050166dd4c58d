"""The notifications domain's background jobs: relay the outbox into notifications, deliver webhooks."""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

from clearway.db import utcnow
from clearway.jobs import Job
from clearway.notifications.delivery import Deliverer, Result, claim, record
from clearway.notifications.relay import relay_once
from clearway.notifications.settings import stream_settings, webhook_settings
from clearway.notifications.stream import JetStreamPublisher, stream_consumers_record, stream_publish_once

PASS_BUDGET_S = 2.0


def relay(ctx: Any) -> int:
    """Relay everything committed so far (in batches, within the pass budget); how many notifications."""
    total, deadline = 0, time.monotonic() + PASS_BUDGET_S
    while time.monotonic() < deadline:
        with ctx.sessions() as db, db.begin():
            made = relay_once(db=db, now=utcnow(), gap_wait_s=webhook_settings().relay_gap_wait_s)
        total += made
        if made == 0:
            break
    return total


def deliverer_of(ctx: Any) -> Deliverer:
    """The worker's webhook sender (one HTTP client per worker, kept in its resources)."""
    found = ctx.resources.get("deliverer")
    if found is None:
        found = ctx.resources["deliverer"] = Deliverer()
    return found


def deliver(ctx: Any) -> int:
    """Claim, send and record due deliveries until none is due or the pass budget is spent; how many sent.

    Outcomes are committed as their calls return (all those done by then in one transaction, with the
    next claim when the claimed ones are all started); the threads they freed send on meanwhile, and no
    more start until that commit: a kill leaves at most 2 × `concurrency` sent-but-unrecorded deliveries
    to send again (sending a whole batch before recording it left up to `batch`; waiting for each commit
    before sending on cost about a third of the throughput, benchmarks/controls.py).
    """
    deliverer = deliverer_of(ctx)
    total, deadline, batch = 0, time.monotonic() + PASS_BUDGET_S, webhook_settings().batch
    with ctx.sessions() as db, db.begin():
        queue = deque(claim(db=db, now=utcnow(), limit=batch))
    running: set[Future[Result]] = set()
    while queue or running:
        while queue and len(running) < deliverer.concurrency:
            running.add(deliverer.submit(queue.popleft()))
        done, running = wait(running, return_when=FIRST_COMPLETED)
        while queue and len(running) < deliverer.concurrency:  # the freed threads send while this batch commits
            running.add(deliverer.submit(queue.popleft()))
        results = [future.result() for future in done]
        total += len(results)
        with ctx.sessions() as db, db.begin():
            record(db=db, results=results, now=utcnow())
            if not queue and time.monotonic() < deadline:
                queue.extend(claim(db=db, now=utcnow(), limit=batch))
    return total


def publisher_of(ctx: Any) -> JetStreamPublisher:
    """The worker's connection to the event stream (kept in its resources)."""
    found = ctx.resources.get("stream")
    if found is None:
        settings = stream_settings()
        found = ctx.resources["stream"] = JetStreamPublisher(url=settings.url, name=settings.name,
                                                             duplicate_window_s=settings.duplicate_window_s)
    return found


def stream(ctx: Any) -> int:
    """Publish every relayed event to the stream (in batches, within the pass budget); how many events.

    A failed publish rolls the pass back (the high-water mark stays) and drops the connection, so the
    next pass reconnects and publishes the same events again, which the stream stores once.
    """
    publisher, total, deadline = publisher_of(ctx), 0, time.monotonic() + PASS_BUDGET_S
    try:
        while time.monotonic() < deadline:
            with ctx.sessions() as db, db.begin():
                done = stream_publish_once(db=db, publish=publisher.publish, batch=stream_settings().batch,
                                           now=utcnow())
            total += done
            if done == 0:
                break
        with ctx.sessions() as db, db.begin():
            stream_consumers_record(db=db, pending=publisher.consumers_pending())
    except Exception:
        ctx.resources.pop("stream", None)
        publisher.close()
        raise
    return total


def jobs() -> list[Job]:
    """This domain's jobs, at the configured poll interval (the stream only when configured)."""
    poll = webhook_settings().poll_s
    found = [Job("relay", poll, relay), Job("deliver", poll, deliver)]
    if stream_settings().url:
        found.append(Job("stream", stream_settings().poll_s, stream))
    return found
