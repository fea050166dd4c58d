"""Failover drill through the Clearway API (clearway.ops.drill_failover): Patroni pair, `clearway serve`, kill -9.

Starts etcd and two Patroni nodes with scripts/pgha.sh in a temporary folder, a `clearway serve` process on the
multi-host URL, `--clients` clients lodging with an Idempotency-Key each and retrying on 503 for `--seconds`,
and kills the leader's Patroni and postmaster with SIGKILL after `--kill-after` seconds. Prints acknowledged
lodgements, how many are missing / stored twice / under another MRN on the new leader (all must be 0), the
longest stretch without an acknowledged lodgement after the kill, and every answer by status and code.
Exit 1 unless nothing acknowledged was lost.

    PYTHONPATH=src .venv/bin/python benchmarks/failover.py --seconds 30 --kill-after 8 --base-port 55750
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "failover-benchmark-secret-key-0123456789abcdef")
os.environ.setdefault("CLEARWAY_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "false")
os.environ.setdefault("CLEARWAY_AUDIT_SEAL_INTERVAL_S", "0")


def main() -> None:
    """Run the drill and print its figures."""
    from clearway.db import utcnow
    from clearway.declarations.schemas import EXAMPLE
    from clearway.demo import demo_accounts
    from clearway.ops.drill_failover import failover_drill

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kill-after", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--base-port", type=int, default=55750, help="etcd, PostgreSQL and Patroni use +0..+5")
    parser.add_argument("--http-port", type=int, default=55758)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="clearway-failover-"))
    folder.chmod(0o755)  # as root the nodes run as `postgres`, which must reach the folder
    report = failover_drill(folder, args.base_port, args.http_port, EXAMPLE,
                            lambda db: demo_accounts(db=db, now=utcnow()), seconds=args.seconds,
                            kill_after=args.kill_after, clients=args.clients)
    for line in report.lines():
        print(line)
    for answer in report.unexpected[:10]:
        print("unexpected:", answer)
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
