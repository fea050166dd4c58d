"""What one lodgement costs in CPU, without the queues of a loaded host: sequential lodgements.

Lodges N declarations one after another through a one-worker server, on a fresh database of an existing
PostgreSQL server, and reads from /proc the CPU time the server process and the database backends spent:
CPU ms per lodgement for a one-item declaration, three items with no agency live, and the same three items
referred to three agencies (MFDS, RRA, APQA). The statements per lodgement are pinned in
tests/clearance/test_lodging_statements.py. Run it from another commit's checkout too for an A/B.
Usage: python benchmarks/lodge_cost.py POSTGRES_URL_ENDING_IN_/clearway [N=300]
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
from api_lodge import _prepare  # noqa: E402
from single_window import FISH, ORANGES, PHONE, agencies_live, document  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from tests.server import free_port, start_server, stop_server  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """User + system seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def main() -> None:
    """Create a database, serve it, lodge the three kinds and print CPU per lodgement."""
    server_url, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300
    os.environ.update(CLEARWAY_ENVIRONMENT="demo", CLEARWAY_SECRET_KEY="benchmark-secret-0123456789abcdef",
                      CLEARWAY_AUDIT_SEAL_INTERVAL_S="2")
    admin = create_engine(server_url.replace("/clearway", "/postgres"), isolation_level="AUTOCOMMIT")
    name = "cost_" + os.urandom(3).hex()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    token = _prepare(server_url.replace("/clearway", "/" + name))
    from clearway.declarations.schemas import EXAMPLE

    def backends() -> float:
        with admin.connect() as conn:
            pids = [r[0] for r in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                               {"d": name})]
        return sum(_cpu(p) for p in pids)

    port = free_port()
    proc = start_server(port, workers=1)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    count = 0
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            def lodge(doc: dict[str, Any]) -> None:
                r = client.post("/api/v1/declarations", content=json.dumps(doc),
                                headers={**headers, "Idempotency-Key": doc["lrn"]})
                assert r.status_code == 201, r.text

            def run(kind: str, make: Callable[[str], dict[str, Any]]) -> None:
                nonlocal count
                for _ in range(30):  # warm: caches, the pool, prepared statements
                    count += 1
                    lodge(make(f"W-{count}"))
                server = [proc.pid, *_children(proc.pid)]
                c0, p0, t0 = sum(map(_cpu, server)), backends(), time.perf_counter()
                for _ in range(n):
                    count += 1
                    lodge(make(f"M-{count}"))
                c1, p1, t1 = sum(map(_cpu, server)), backends(), time.perf_counter()
                print(f"{kind:10s} server CPU {(c1 - c0) / n * 1000:5.2f} ms/lodgement   PostgreSQL backend CPU "
                      f"{(p1 - p0) / n * 1000:5.2f} ms   wall {(t1 - t0) / n * 1000:5.2f} ms (sequential)")

            agencies_live(False)
            run("plain", lambda lrn: {**copy.deepcopy(EXAMPLE), "lrn": lrn})
            run("plain3", lambda lrn: document(lrn, FISH, PHONE, ORANGES))
            agencies_live(True)
            run("referred3", lambda lrn: document(lrn, FISH, PHONE, ORANGES))
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
