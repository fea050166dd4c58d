"""`clearway worker`: the background jobs, run by APScheduler with its job store in the database.

Jobs: the outbox relay, webhook deliveries, automatic assignment of control tasks, audit sealing
and the release-time timelines' refresh. Each job
is safe to run twice at once (the relay locks its state row; deliveries are leased, with SKIP
LOCKED on PostgreSQL), but APScheduler 3 does not share a job store between schedulers, so run
one worker per database. A pass does a bounded amount of work and returns; APScheduler starts
the next one at the next interval.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from sqlalchemy import select

from clearway.config import get_settings
from clearway.db import get_engine, get_sessionmaker, utcnow
from clearway.notifications.delivery import Deliverer, claim, record
from clearway.notifications.relay import relay_once
from clearway.notifications.settings import webhook_settings

log = logging.getLogger("clearway.worker")
PASS_BUDGET_S = 2.0
_deliverer: Deliverer | None = None
_deliverer_lock = threading.Lock()


def relay_pass() -> int:
    """Relay everything committed so far (in batches, within the pass budget); how many notifications."""
    total, deadline = 0, time.monotonic() + PASS_BUDGET_S
    while time.monotonic() < deadline:
        with get_sessionmaker()() as db, db.begin():
            made = relay_once(db=db, now=utcnow(), gap_wait_s=webhook_settings().relay_gap_wait_s)
        total += made
        if made == 0:
            break
    return total


def _get_deliverer() -> Deliverer:
    global _deliverer
    with _deliverer_lock:
        if _deliverer is None:
            _deliverer = Deliverer()
        return _deliverer


def delivery_pass(deliverer: Deliverer | None = None) -> int:
    """Claim, send and record due deliveries until none is due or the pass budget is spent; how many sent.

    Recording a batch and claiming the next share one transaction: one commit per batch, not two.
    """
    deliverer = deliverer or _get_deliverer()
    total, deadline, batch = 0, time.monotonic() + PASS_BUDGET_S, webhook_settings().batch
    with get_sessionmaker()() as db, db.begin():
        jobs = claim(db=db, now=utcnow(), limit=batch)
    while jobs:
        results = deliverer.send_all(jobs)
        total += len(jobs)
        with get_sessionmaker()() as db, db.begin():
            record(db=db, results=results, now=utcnow())
            jobs = claim(db=db, now=utcnow(), limit=batch) if time.monotonic() < deadline else []
    return total


def assignment_pass() -> int:
    """Hand unassigned control tasks to examiners, office by office; how many."""
    from clearway.controls.models import Examiner
    from clearway.controls.service import assignments_run

    total = 0
    with get_sessionmaker()() as db, db.begin():
        offices = list(db.scalars(select(Examiner.office).where(Examiner.active.is_(True)).distinct()))
    for office in offices:
        with get_sessionmaker()() as db, db.begin():
            total += assignments_run(db=db, office=office, now=utcnow())
    return total


def seal_pass() -> int:
    """Chain every committed, unsealed audit record into the hash chain; how many."""
    from clearway.sealer import seal_once

    total = 0
    while (done := seal_once()) > 0:
        total += done
    return total


def performance_pass() -> int:
    """Fold new declaration events into release-time timelines and rollups, so reports find little to do;
    returns 0 (a pass every minute is not worth a log line)."""
    from clearway.performance.timelines import timelines_refresh

    with get_sessionmaker()() as db, db.begin():
        timelines_refresh(db=db, now=utcnow())
    return 0


def _job(name: str) -> None:
    """Run one pass, logging instead of raising (a failed pass is simply retried at the next interval)."""
    passes = {"relay": relay_pass, "deliver": delivery_pass, "assign": assignment_pass, "seal": seal_pass,
              "performance": performance_pass}
    try:
        done = passes[name]()
        if done:
            log.info("%s: %d", name, done)
    except Exception:
        log.exception("%s pass failed", name)


def scheduler(blocking: bool = True) -> Any:
    """An APScheduler scheduler with the Clearway jobs, its job store in the Clearway database."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    kind = BlockingScheduler if blocking else BackgroundScheduler
    sched = kind(jobstores={"default": SQLAlchemyJobStore(engine=get_engine())},
                 executors={"default": ThreadPoolExecutor(4)},
                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}, timezone="UTC")
    poll = webhook_settings().poll_s
    seal_every = get_settings().audit_seal_interval_s or 2.0
    jobs = (("seal", seal_every), ("relay", poll), ("deliver", poll), ("assign", 30.0), ("performance", 60.0))
    for name, every in jobs:
        sched.add_job("clearway.notifications.worker:_job", "interval", args=[name], seconds=every, id=name,
                      replace_existing=True)
    return sched


def run_worker() -> None:
    """Run the jobs until SIGTERM or SIGINT."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sched = scheduler(blocking=True)

    def stop(_signum: int, _frame: Any) -> None:
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sched.start()
    if _deliverer is not None:
        _deliverer.close()
