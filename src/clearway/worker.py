"""`clearway worker`: the one background worker, running every domain's jobs (their `jobs.py`).

Each job is a bounded pass that is safe to run twice at once (the relay locks its state row;
deliveries are leased, with SKIP LOCKED on PostgreSQL; sealing locks the chain head). APScheduler
runs each at its interval in a thread pool, with the jobs held in memory: nothing to share between
schedulers, so run one worker per database. `clearway demo` runs the same jobs inside its server.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from clearway import partitions
from clearway.agencies import jobs as agency_jobs
from clearway.audit import jobs as audit_jobs
from clearway.borderposts import jobs as borderpost_jobs
from clearway.clearance import jobs as clearance_jobs
from clearway.clearance.wiring import Wiring
from clearway.controls import jobs as control_jobs
from clearway.crisis import jobs as crisis_jobs
from clearway.exchange import jobs as exchange_jobs
from clearway.intelligence import jobs as intelligence_jobs
from clearway.jobs import Job
from clearway.models import load_all
from clearway.notifications import jobs as notification_jobs
from clearway.ops import jobs as ops_jobs
from clearway.performance import jobs as performance_jobs
from clearway.risk import jobs as risk_jobs
from clearway.training import jobs as training_jobs

log = logging.getLogger("clearway.worker")


@dataclass
class JobContext:
    """What every job is handed: sessions on the database, the wiring, and resources kept between passes."""

    sessions: sessionmaker[Session]
    wiring: Wiring
    resources: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Release what the jobs kept open (the webhook client)."""
        for resource in self.resources.values():
            if hasattr(resource, "close"):
                resource.close()


def jobs_all() -> list[Job]:
    """Every domain's jobs, in the order they are started."""
    return [*audit_jobs.jobs(), *notification_jobs.jobs(), *control_jobs.jobs(), *clearance_jobs.jobs(),
            *performance_jobs.jobs(), *borderpost_jobs.jobs(), *agency_jobs.jobs(), *exchange_jobs.jobs(),
            *training_jobs.jobs(), *crisis_jobs.jobs(), *ops_jobs.jobs(), *risk_jobs.jobs(),
            *intelligence_jobs.jobs(), *partitions.jobs()]


def job_run(job: Job, ctx: JobContext) -> int:
    """Run one pass, logging instead of raising (a failed pass is simply retried at the next interval)."""
    try:
        done = job.run(ctx)
    except Exception:
        log.exception("%s pass failed", job.name)
        return 0
    if done:
        log.info("%s: %d", job.name, done)
    return done


def scheduler(ctx: JobContext, *, blocking: bool) -> Any:
    """An APScheduler scheduler running every job at its interval."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    # Mappers are configured once, here, before any job thread imports or queries anything: configuring
    # them lazily from several threads at once can leave them broken for the life of the process.
    load_all()
    configure_mappers()
    # A pass still running at its next tick is skipped on purpose (max_instances=1): not worth a warning each time.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    kind = BlockingScheduler if blocking else BackgroundScheduler
    sched = kind(executors={"default": ThreadPoolExecutor(4)},
                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}, timezone="UTC")
    for job in jobs_all():
        sched.add_job(job_run, "interval", args=[job, ctx], seconds=job.every_s, id=job.name, replace_existing=True)
    return sched


def run_worker(ctx: JobContext) -> None:
    """Run the jobs until SIGTERM or SIGINT."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sched = scheduler(ctx, blocking=True)

    def stop(_signum: int, _frame: Any) -> None:
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        sched.start()
    finally:
        ctx.close()
