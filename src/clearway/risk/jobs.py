"""The risk domain's background job: replay queued rule test-runs off the request path."""

from __future__ import annotations

from typing import Any

from clearway.db import read_sessions_of, utcnow
from clearway.jobs import Job
from clearway.risk.rules.testrun import test_run_claim, test_run_execute


def test_runs(ctx: Any) -> int:
    """Take one queued test-run and replay it in bounded read batches; how many were run (0 or 1)."""
    with ctx.sessions() as db, db.begin():
        run_id = test_run_claim(db=db, now=utcnow())
    if run_id is None:
        return 0
    test_run_execute(sessions=ctx.sessions, reads=read_sessions_of(ctx.sessions), run_id=run_id)
    return 1


def jobs() -> list[Job]:
    """This domain's jobs."""
    return [Job("risk-test-runs", 2.0, test_runs)]
