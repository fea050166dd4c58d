"""Load with faults: lodging at 5x a peak rate through `clearway serve` while the worker is killed and restarted,
storage turns slow, and the database leader is killed (Patroni failover). Reports throughput, p99, the answers
by status and code, and always the acknowledged lodgements missing / stored twice (both must be 0), and the
notification backlog caught up after the worker's restart.

The rate: `--peak` lodgements per second (default 5/s, an assumption: the demo has no measured peak) times
`--factor` (5), spread over `--clients` clients. Slow storage is emulated by an insert trigger that sleeps
`--slow-ms` in one insert of three (this machine cannot slow a real disk without a device mapper); the statement
timeout is `--statement-timeout-ms`, so the slowest inserts are cancelled and retried with their key.
Timeline (seconds after lodging starts): worker SIGKILL at 5, restarted at 8; slow storage 10-16; leader killed
at 18; lodging ends at `--seconds` (30).

    PYTHONPATH=src .venv/bin/python benchmarks/faults.py --seconds 30 --base-port 55750
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "faults-benchmark-secret-key-0123456789abcdef")
os.environ.setdefault("CLEARWAY_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "false")
os.environ.setdefault("CLEARWAY_AUDIT_SEAL_INTERVAL_S", "0")


def _at(begin: float, second: float) -> None:
    time.sleep(max(0.0, begin + second - time.monotonic()))


def main() -> None:
    """Run the timeline and print the figures."""
    import httpx
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from clearway.db import utcnow
    from clearway.declarations.schemas import EXAMPLE
    from clearway.demo import demo_accounts
    from clearway.ops.drill_failover import _pgha, _prepare, _serve, _stop
    from clearway.ops.lodgers import Ledger, run_lodgers, verify

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--peak", type=float, default=5.0)
    parser.add_argument("--factor", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--slow-ms", type=int, default=400)
    parser.add_argument("--statement-timeout-ms", type=int, default=1000)
    parser.add_argument("--base-port", type=int, default=55750)
    parser.add_argument("--http-port", type=int, default=55758)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="clearway-faults-"))
    folder.chmod(0o755)
    (folder / "logs").mkdir()
    cluster = str(folder / "cluster")
    url = _pgha("start", cluster, str(args.base_port))
    env = {"CLEARWAY_DB_STATEMENT_TIMEOUT_MS": str(args.statement_timeout_ms), "CLEARWAY_WEBHOOK_POLL_S": "0.2"}
    server = worker = None
    try:
        token = _prepare(url, lambda db: demo_accounts(db=db, now=utcnow()))
        server = _serve(url, args.http_port, env, folder / "logs" / "serve.log")
        worker_env = {**os.environ, **env, "CLEARWAY_DATABASE_URL": url}

        def start_worker() -> subprocess.Popen[bytes]:
            with (folder / "logs" / "worker.log").open("ab") as out:
                return subprocess.Popen([sys.executable, "-m", "clearway.cli", "worker"], env=worker_env,
                                        stdout=out, stderr=subprocess.STDOUT)

        worker = start_worker()
        rate = args.peak * args.factor
        gap = max(0.0, args.clients / rate)  # each client's pause between lodgements (less its own latency)
        ledger, prefix = Ledger(), f"FLT{int(time.time()) % 100000:05d}-"
        begin = time.monotonic()
        threads = run_lodgers(f"http://127.0.0.1:{args.http_port}", token, EXAMPLE, prefix, args.clients,
                              begin + args.seconds, ledger, retry_s=0.1, rate_gap_s=gap)
        _at(begin, 5)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        print("t=5 s   worker killed (SIGKILL)")
        _at(begin, 8)
        worker = start_worker()
        print("t=8 s   worker restarted")
        _at(begin, 10)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE FUNCTION cw_slow() RETURNS trigger AS $$ BEGIN IF random() < 0.33 THEN "
                                 f"PERFORM pg_sleep({args.slow_ms / 1000}); END IF; RETURN NEW; END $$ "
                                 "LANGUAGE plpgsql")
            conn.exec_driver_sql("CREATE TRIGGER cw_slow BEFORE INSERT ON declarations FOR EACH ROW "
                                 "EXECUTE FUNCTION cw_slow()")
        print(f"t=10 s  slow storage on (one insert in three +{args.slow_ms} ms)")
        _at(begin, 16)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER cw_slow ON declarations")
            conn.exec_driver_sql("DROP FUNCTION cw_slow()")
        engine.dispose()
        print("t=16 s  slow storage off")
        _at(begin, 18)
        leader = _pgha("leader", cluster)
        killed_at = time.monotonic()
        _pgha("crash", cluster, leader)
        print(f"t=18 s  leader {leader} killed (Patroni and postmaster, SIGKILL)")
        for t in threads:
            t.join(timeout=args.seconds + 60)
        caught_up, backlog = None, {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with httpx.Client(timeout=10) as client:
                try:
                    backlog = client.get(f"http://127.0.0.1:{args.http_port}/api/v1/status").json()["backlog"]
                except (httpx.HTTPError, KeyError, ValueError):
                    backlog = {}
            if backlog and backlog.get("events") == 0 and backlog.get("outbox") == 0:
                caught_up = time.monotonic() - begin
                break
            time.sleep(1)
        check = create_engine(url.replace("connect_timeout=2", "connect_timeout=5"))
        with Session(check) as db:
            verdict = verify(db, ledger, prefix)
        check.dispose()
        acked = verdict.acknowledged
        print(f"target rate {rate:.0f}/s over {args.clients} clients; achieved {acked / args.seconds:.1f}/s "
              f"({acked} acknowledged in {args.seconds:.0f} s), p99 {ledger.p99() * 1000:.0f} ms")
        print(f"missing {verdict.missing}; stored twice {verdict.duplicated}; under another MRN {verdict.wrong_mrn}; "
              f"uncoded answers {len(ledger.unexpected)}")
        print(f"longest stretch without an acknowledgement after the leader's kill: "
              f"{ledger.longest_gap(killed_at, begin + args.seconds):.1f} s")
        print("answers: " + ", ".join(f"{k} x{n}" for k, n in sorted(ledger.answers.items())))
        print("notification backlog: " + (f"caught up at t={caught_up:.0f} s" if caught_up else f"not caught up: "
                                                                                                f"{backlog}"))
        ok = (verdict.missing, verdict.duplicated, verdict.wrong_mrn, len(ledger.unexpected)) == (0, 0, 0, 0)
    finally:
        for proc in (worker, server):
            if proc is not None:
                _stop(proc)
        _pgha("stop", cluster, check=False)
    sys.exit(0 if ok and caught_up else 1)


if __name__ == "__main__":
    main()
