"""The worker configures every mapper before any job can run, at each of many fresh starts (issue 12, "Standards")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PROBE = """
from clearway.worker import JobContext, scheduler
from clearway.db import Base
sched = scheduler(JobContext(sessions=None, wiring=None), blocking=False)  # built, not started: no job has run
mappers = list(Base.registry.mappers)
assert len(mappers) > 50 and all(m.configured for m in mappers), [m for m in mappers if not m.configured][:3]
print(len(mappers), len(sched.get_jobs()))
"""


def test_six_fresh_worker_starts_configure_every_mapper_first():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for _ in range(6):
        done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        _, jobs = map(int, done.stdout.split())
        assert jobs > 5
