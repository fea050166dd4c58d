"""`clearway drill failover`: the Patroni/etcd failover drill from the command line (clearway.ops.drill_failover).

The full run needs patroni, etcd-server and postgresql-15 and over a minute. tests/ops/test_failover.py already runs
the same drill in `make test`, so the command-line run is behind CLEARWAY_TEST_HA=1. Without those packages the
command says what it needs and exits 2."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.ops.test_failover import HA_TOOLS

HA_FULL = os.environ.get("CLEARWAY_TEST_HA") == "1" and HA_TOOLS

DRILL_ENV = {"CLEARWAY_ENVIRONMENT": "demo", "CLEARWAY_PASSWORD_MEMORY_KIB": "1024"}


def _drill(*args: str, path: str | None = None, timeout: float = 280) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **DRILL_ENV, **({"PATH": path} if path is not None else {})}
    return subprocess.run([sys.executable, "-m", "clearway.cli", "drill", "failover", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_without_patroni_the_failover_drill_says_what_it_needs(tmp_path: Path):
    bare = tmp_path / "bin"  # a PATH without patroni or etcd
    bare.mkdir()
    done = _drill("--seconds", "5", path=str(bare))
    assert done.returncode == 2, done.stderr[-800:]
    assert "needs patroni, etcd-server and postgresql-15" in done.stderr


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not HA_FULL, reason="set CLEARWAY_TEST_HA=1 (needs patroni, etcd-server, postgresql-15)")
def test_the_failover_drill_prints_the_seconds_without_service_and_every_acknowledged_lodgement_stored():
    from tests.server import free_port

    base = int(os.environ.get("CLEARWAY_TEST_HA_BASE_PORT", "55750"))
    scratch = Path(tempfile.mkdtemp(prefix="clearway-failover-cli-"))
    try:
        done = _drill("--seconds", "20", "--kill-after", "4", "--clients", "3", "--base-port", str(base),
                      "--http-port", str(free_port()), "--scratch", str(scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert done.returncode == 0, done.stdout + done.stderr[-1500:]
    found = re.search(r"seconds without service: ([\d.]+); acknowledged lodgements (\d+), stored (\d+) of them",
                      done.stdout)
    assert found, done.stdout
    unavailable, acknowledged, stored = float(found[1]), int(found[2]), int(found[3])
    assert acknowledged > 50 and stored == acknowledged, done.stdout
    assert 0 < unavailable < 17, done.stdout  # the outage was seen, and service came back with no reconfiguration
    assert "drill passed" in done.stdout
