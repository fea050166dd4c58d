"""Failover of the Patroni pair (scripts/pgha.sh): raw inserts through the multi-host URL while the leader is killed.

Starts its own cluster in a temporary directory on 127.0.0.1, runs 4 psycopg clients inserting keys for
`--seconds`, kills -9 the leader after `--kill-after` seconds, then prints acknowledged inserts, how many are
missing on the new leader, and the longest stretch without a write. The baseline in the same run is the longest
stretch without a write before the kill (the noise of this machine). Not yet the Clearway API.
Run: .venv/bin/python benchmarks/pg_failover_raw.py [--seconds 30 --kill-after 5 --base-port 47300]
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg

SCRIPT = str(Path(__file__).resolve().parent.parent / "scripts" / "pgha.sh")


def _dsn(base: int) -> str:
    return (f"host=127.0.0.1,127.0.0.1 port={base + 2},{base + 3} dbname=postgres user=postgres "
            "target_session_attrs=read-write connect_timeout=2")


class Run:
    """The writes acknowledged by every client, and when each happened."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acked: list[str] = []
        self.times: list[float] = []

    def worker(self, dsn: str, name: int, stop: float) -> None:
        """One client: insert keys until `stop`, reconnecting after each failure."""
        i, conn = 0, None
        while time.monotonic() < stop:
            key = f"{name}-{i}"
            try:
                if conn is None:
                    conn = psycopg.connect(dsn, autocommit=True)
                conn.execute("insert into probe values (%s) on conflict do nothing", (key,))
                with self.lock:
                    self.acked.append(key)
                    self.times.append(time.monotonic())
                i += 1
            except psycopg.Error:
                conn = None
                time.sleep(0.1)


def _longest_gap(times: list[float], start: float, end: float) -> float:
    points = sorted([start, *[t for t in times if start <= t <= end], end])
    return max(b - a for a, b in itertools.pairwise(points))


def main() -> None:
    """Run the drill and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kill-after", type=float, default=5)
    parser.add_argument("--base-port", type=int, default=47300)
    args = parser.parse_args()
    parent = Path(tempfile.mkdtemp(prefix="clearway-ha-"))
    parent.chmod(0o755)  # as root the nodes run as `postgres`, which must reach the directory
    work = parent / "cluster"
    t0 = time.monotonic()
    subprocess.run([SCRIPT, "start", str(work), str(args.base_port)], check=True, stdout=subprocess.DEVNULL)
    print(f"cluster ready in {time.monotonic() - t0:.1f} s")
    dsn = _dsn(args.base_port)
    try:
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute("create table if not exists probe(k text primary key)")
        run, begin = Run(), time.monotonic()
        stop = begin + args.seconds
        threads = [threading.Thread(target=run.worker, args=(dsn, w, stop)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(args.kill_after)
        leader = subprocess.check_output([SCRIPT, "leader", str(work)], text=True).strip()
        killed_at = time.monotonic()
        subprocess.run([SCRIPT, "crash", str(work), leader], check=True)
        for t in threads:
            t.join()
        with psycopg.connect(dsn) as c:
            have = {r[0] for r in c.execute("select k from probe")}
        new_leader = subprocess.check_output([SCRIPT, "leader", str(work)], text=True).strip()
        missing = len(set(run.acked) - have)
        print(f"killed {leader}; new leader {new_leader}")
        print(f"acknowledged inserts {len(run.acked):,}; missing after failover {missing}")
        print(f"longest stretch without a write: {_longest_gap(run.times, killed_at, stop):.1f} s after the kill"
              f" (baseline before the kill: {_longest_gap(run.times, begin, killed_at):.2f} s)")
    finally:
        subprocess.run([SCRIPT, "stop", str(work)], check=False)


if __name__ == "__main__":
    main()
