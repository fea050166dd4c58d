"""Database outage under a steady lodging load: what callers see while PostgreSQL is down, and after it is back.

A cluster of its own (scripts/pgcluster.sh), the app in-process, one client lodging with an Idempotency-Key
per declaration and retrying on 503 after Retry-After (shortened here). PostgreSQL is halted for a few
seconds and restarted; the app is not. Reports the answers by status, how long a 503 takes, the seconds from
the restart to the first acknowledged lodgement, and the acknowledged lodgements missing afterwards (must
be 0) and stored twice (must be 0).

    PYTHONPATH=src .venv/bin/python benchmarks/outage.py --down-s 5 --port 55999
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "outage-benchmark-secret-key-0123456789abcdef")
os.environ.setdefault("CLEARWAY_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "false")
os.environ.setdefault("CLEARWAY_PRINCIPAL_CACHE_S", "0")

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pgcluster.sh"


def _cluster(*args: str) -> str:
    env = {**os.environ, "PG_EXTRA_OPTS": "-c fsync=off -c full_page_writes=off"}
    return subprocess.run([str(SCRIPT), *args], check=True, capture_output=True, text=True, env=env).stdout.strip()


def main() -> None:
    """Run the drill and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--down-s", type=float, default=5.0)
    parser.add_argument("--before-s", type=float, default=3.0)
    parser.add_argument("--after-s", type=float, default=3.0)
    parser.add_argument("--port", type=int, default=55999)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="clearway-outage-")) / "pg"
    url = _cluster("start", str(folder), str(args.port))
    try:
        run(url, folder, args)
    finally:
        from clearway.db import get_engine

        get_engine().dispose()
        _cluster("stop", str(folder))


def run(url: str, folder: Path, args: argparse.Namespace) -> None:
    """Lodge steadily through an outage of the database."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from clearway.db import get_engine
    from clearway.declarations.schemas import EXAMPLE
    from clearway.main import create_app
    from clearway.migrate import upgrade_head

    upgrade_head(url)
    os.environ["CLEARWAY_DATABASE_URL"] = url
    from tests.factories import make_world

    make_world()
    statuses: Counter[int] = Counter()
    unavailable_ms: list[float] = []
    acknowledged: dict[str, str] = {}  # lrn -> mrn
    marks: dict[str, float] = {}
    stop = threading.Event()

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        token = client.post("/api/v1/auth/token", data={"username": "trader-a", "password": "demo"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}

        def lodge() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                doc = {**EXAMPLE, "lrn": f"OUT-{n:06d}"}
                while not stop.is_set():  # the same key until acknowledged, as a careful client does
                    started = time.perf_counter()
                    r = client.post("/api/v1/declarations", json=doc,
                                    headers={**headers, "Idempotency-Key": f"outage-{n:06d}"})
                    statuses[r.status_code] += 1
                    if r.status_code == 503:
                        unavailable_ms.append((time.perf_counter() - started) * 1000)
                        time.sleep(0.2)  # Retry-After, shortened for the drill
                        continue
                    if r.status_code in (200, 201):
                        acknowledged[doc["lrn"]] = r.json()["mrn"]
                        if "restarted" in marks and "first_after" not in marks:
                            marks["first_after"] = time.monotonic()
                    break

        worker = threading.Thread(target=lodge)
        worker.start()
        time.sleep(args.before_s)
        marks["halt"] = time.monotonic()
        _cluster("halt", str(folder))
        marks["halted"] = time.monotonic()
        time.sleep(args.down_s)
        _cluster("start", str(folder), str(args.port))
        marks["restarted"] = time.monotonic()
        time.sleep(args.after_s)
        stop.set()
        worker.join()

    with get_engine().connect() as conn:
        stored = dict(conn.execute(text("SELECT lrn, COUNT(*) FROM declarations GROUP BY lrn")).all())
    missing = [lrn for lrn in acknowledged if stored.get(lrn, 0) == 0]
    twice = [lrn for lrn, n in stored.items() if n > 1]
    print(f"answers by status: {dict(sorted(statuses.items()))}")
    if unavailable_ms:
        ordered = sorted(unavailable_ms)
        print(f"503 answers: {len(ordered)}, median {statistics.median(ordered):.1f} ms, "
              f"max {ordered[-1]:.1f} ms")
    print(f"halt took {marks['halted'] - marks['halt']:.2f} s; database down {args.down_s:.1f} s")
    if "first_after" in marks:
        print(f"first acknowledged lodgement {marks['first_after'] - marks['restarted']:.2f} s after the restart "
              f"(no restart of the app)")
    print(f"acknowledged {len(acknowledged)}, missing after the outage {len(missing)}, stored twice {len(twice)}")


if __name__ == "__main__":
    main()
