"""Control queue and webhook delivery speed on PostgreSQL, each next to a trivial baseline of the same run.

Prints:
  (a) a bare `SELECT 1` round trip through a session: the floor of any query;
  (b) fetching a queue page (50 tasks, with their declarations' reasons) from an office holding
      100,000 open tasks, first pages and pages further down by cursor (target p99 < 50 ms);
  (c) a bare HTTP POST loop to a local receiver (tests/notifications/receiver.py), one client and
      the delivery worker's concurrency: the receiver's ceiling;
  (d) webhook deliveries through the worker's delivery pass (claim with SKIP LOCKED, sign, POST,
      record the outcome and the attempt log) to the same receiver (target >= 500/s);
  (e) threat projection's cost on the officer's queue page (issue 22: "within noise of the plain queue"): training
      declarations projected through `projection_create` into the same office, then the first page timed through
      the selector and through the web page (/controls/queue, signed in as the officer) with none of them, with 1 %
      of the open tasks and with 5 %, the conditions alternated round by round in the same database (the
      projections not in play are parked in another office's queue), p50/p99 of each and the difference.
Usage: python benchmarks/controls.py [--tasks 100000] [--deliveries 5000] [--samples 400] [--projection-only]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server import free_port  # noqa: E402

SEED_TASKS = """
INSERT INTO declarations (mrn, lrn, version, type, office, status, channel, declarant_id, lodged_by, currency,
  total_value, item_count, document, channel_reasons, lodged_at, updated_at)
SELECT 'B' || lpad(g::text, 17, '0'), 'B-' || g, 1, 'IM', 'KR0101', 'under_control',
  CASE WHEN g % 3 = 0 THEN 'red' ELSE 'yellow' END, 'KR1000000001', 'KR1000000001', 'USD', 12500, 1,
  '{"items": []}'::json,
  ('[{"rule": "bench.rule' || (g % 7) || '", "score": ' || (random())::numeric(4,3) || ', "text": "benchmark"}]')::json,
  now() - (g || ' seconds')::interval, now()
FROM generate_series(1, NTASKS) AS g;
INSERT INTO control_tasks (declaration_id, office, kind, status, closed, priority, weight, section, random_pick,
  rule_ids, created_at)
SELECT d.id, 'KR0101', CASE WHEN d.channel = 'red' THEN 'physical' ELSE 'documentary' END, 'open', false,
  (random() * 1000)::int, 1.1, 'XVI', false, '[]'::json, d.lodged_at
FROM declarations d WHERE d.mrn LIKE 'B%';
ANALYZE declarations; ANALYZE control_tasks;
"""


def pct(values: list[float], p: float) -> float:
    """The p-th percentile of a list of milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn, samples: int, warm: int = 20) -> list[float]:  # type: ignore[no-untyped-def]
    """Milliseconds per call, after a short warm-up."""
    for _ in range(warm):
        fn()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def seed_tasks(n_tasks: int) -> None:
    """n_tasks open tasks in office KR0101, by SQL."""
    from sqlalchemy import text

    from clearway.db import get_engine

    with get_engine().begin() as conn:
        for statement in SEED_TASKS.replace("NTASKS", str(n_tasks)).split(";"):
            if statement.strip():
                conn.execute(text(statement))


PARKING = "KR0999"  # where the projections not in play wait: another office's queue, so KR0101's never sees them


def projection_figures(n_tasks: int, samples: int, rounds: int = 8) -> dict[str, dict[str, list[float]]]:
    """Milliseconds of the officer's first queue page (selector, and web page) with 0, 1 % and 5 % projections."""
    from fastapi.testclient import TestClient
    from sqlalchemy import bindparam, select, text
    from tests.web.conftest import sign_in

    from clearway.controls.service import queue_fetch
    from clearway.db import get_engine, get_sessionmaker, utcnow
    from clearway.declarations.exercises import PROJECTION_DECLARANTS
    from clearway.main import create_app
    from clearway.training.injection import INJECTOR
    from clearway.training.models import Projection, TrainingCase
    from clearway.training.projection import projection_create
    from clearway.training.schemas import ProjectionCreate
    from clearway.training.service import world_seed

    maker, now = get_sessionmaker(), utcnow()
    with maker() as db, db.begin():
        world_seed(db=db, cohort="bench", seed=7, days=5, per_day=20, now=now)
    with maker() as db, db.begin():
        cases = list(db.scalars(select(TrainingCase.reference).order_by(TrainingCase.id)))
    heavy = max(1, n_tasks * 5 // 100)
    started = time.perf_counter()
    for n in range(heavy):  # the production path, one projection per transaction as the injection job makes them
        with maker() as db, db.begin():
            projection_create(db=db, actor=INJECTOR, now=now,
                              body=ProjectionCreate(case=cases[n % len(cases)], officer="officer"))
    print(f"    {heavy} projections made in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    with get_engine().begin() as conn:
        ids = [int(i) for i in conn.execute(select(Projection.declaration_id).order_by(Projection.id)).scalars()]
        # A projection's priority is a model pick's default; spread like the seeded tasks' so that a first page
        # holds projections at their rate (at the default they would all sit together at one depth).
        conn.execute(text("UPDATE control_tasks SET priority = (random() * 1000)::int WHERE declaration_id IN :ids")
                     .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
        conn.execute(text("ANALYZE control_tasks"))
        conn.execute(text("ANALYZE declarations"))
    light = ids[: max(1, n_tasks // 100)]
    park = text("UPDATE control_tasks SET office = CASE WHEN declaration_id IN :play THEN 'KR0101' ELSE :parking "
                "END WHERE declaration_id IN :ids").bindparams(bindparam("play", expanding=True),
                                                               bindparam("ids", expanding=True))
    # "none again" is the plain queue timed a second time in each round: its difference from "none" is the noise.
    conditions = {"none": [-1], "none again": [-1], "1 %": light, "5 %": ids}
    out: dict[str, dict[str, list[float]]] = {c: {"selector": [], "page": []} for c in conditions}
    per_round = max(1, samples // rounds)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        assert sign_in(client, "officer").status_code == 303

        def selector() -> None:
            with maker() as db, db.begin():
                assert len(queue_fetch(db=db, office="KR0101", limit=51)) == 51

        def page() -> None:
            assert client.get("/controls/queue").status_code == 200

        for r in range(rounds):
            order = list(conditions)[r % 4:] + list(conditions)[: r % 4]  # each condition first in turn
            for name in order:
                with get_engine().begin() as conn:
                    conn.execute(park, {"play": conditions[name], "parking": PARKING, "ids": ids})
                with maker() as db:
                    shown = db.execute(text("SELECT count(*) FROM control_tasks WHERE office = 'KR0101' AND "
                                            "declaration_id IN :ids").bindparams(bindparam("ids", expanding=True)),
                                       {"ids": ids}).scalar()
                assert shown == (0 if name.startswith("none") else len(conditions[name]))
                with maker() as db:
                    on_page = sum(1 for row in queue_fetch(db=db, office="KR0101", limit=50) if row.declarant_id
                                  in PROJECTION_DECLARANTS)
                out[name].setdefault("on first page", []).append(on_page)
                out[name]["selector"] += timed(selector, per_round, warm=5)
                out[name]["page"] += timed(page, per_round, warm=5)
    return out


def projection_report(figures: dict[str, dict[str, list[float]]], n_tasks: int) -> None:
    """Print (e): each condition's p50/p99 next to the plain queue's, and the difference."""
    print(f"(e) queue first page, {n_tasks:,} open tasks, with threat projections (alternated in rounds)")
    for what in ("selector", "page"):
        base = figures["none"][what]
        for name, f in figures.items():
            values = f[what]
            line = (f"    {what:8} projections {name:10} ({len(values)} samples)  "
                    f"p50 {statistics.median(values):6.2f} ms   p99 {pct(values, 99):6.2f} ms")
            if what == "selector" and name != "none":
                line += f"   ({sum(f['on first page'])} projections on the {len(f['on first page'])} first pages)"
            if name != "none":
                line += (f"   diff p50 {statistics.median(values) - statistics.median(base):+6.2f} ms"
                         f"   p99 {pct(values, 99) - pct(base, 99):+6.2f} ms")
            print(line)


def queue_figures(n_tasks: int, samples: int) -> tuple[list[float], list[float], list[float]]:
    """Latencies of SELECT 1, first queue pages, and deeper pages by cursor."""
    from sqlalchemy import text

    from clearway.controls.reads import cursor_decode, cursor_encode
    from clearway.controls.service import queue_fetch
    from clearway.db import get_sessionmaker

    seed_tasks(n_tasks)
    maker = get_sessionmaker()

    def select_one() -> None:
        with maker() as db, db.begin():
            db.execute(text("SELECT 1")).scalar()

    def first_page() -> None:
        with maker() as db, db.begin():
            assert len(queue_fetch(db=db, office="KR0101", limit=50)) == 50

    with maker() as db, db.begin():
        rows = queue_fetch(db=db, office="KR0101", limit=n_tasks // 2)
    cursors = [cursor_decode(cursor_encode(rows[i])) for i in random.Random(1).sample(range(len(rows)), 50)]

    def deep_page() -> None:
        with maker() as db, db.begin():
            queue_fetch(db=db, office="KR0101", limit=50, after=random.choice(cursors))

    return timed(select_one, samples), timed(first_page, samples), timed(deep_page, samples)


def seed_deliveries(n: int, url: str, secret: str) -> None:
    """n notifications for one trader over n/2 declarations, each with a pending delivery."""
    from sqlalchemy import text

    from clearway.db import get_engine

    with get_engine().begin() as conn:
        conn.execute(text("INSERT INTO notification_subscribers (organisation, last_seq, url, active, secrets, "
                          "updated_at) VALUES ('KR1000000001', :n, :url, true, CAST(:s AS json), now())"),
                     {"n": n, "url": url, "s": f'[{{"id": "sec_1", "secret": "{secret}", "created_at": "x"}}]'})
        conn.execute(text(
            "INSERT INTO notifications (organisation, seq, kind, declaration_id, mrn, payload, created_at) "
            "SELECT 'KR1000000001', g, 'declaration.released', g % :k, 'M' || (g % :k), "
            "json_build_object('type', 'declaration.released', 'timestamp', '2026-11-26T00:00:00Z', "
            "'data', json_build_object('seq', g, 'mrn', 'M' || (g % :k))), now() FROM generate_series(1, :n) g"),
            {"n": n, "k": n // 2})
        conn.execute(text(
            "INSERT INTO notification_deliveries (notification_id, organisation, ordering_key, status, attempts, "
            "next_attempt_at) SELECT id, organisation, 'd' || declaration_id, 'pending', 0, now() "
            "FROM notifications ORDER BY id"))
        conn.execute(text("ANALYZE notification_deliveries"))


def bare_posts(url: str, n: int, workers: int) -> float:
    """Requests per second of unsigned POSTs over keep-alive, same client library as the worker (answered 401)."""
    import urllib3

    pool = urllib3.PoolManager(maxsize=workers, block=True, retries=False)
    body = b'{"type":"x","timestamp":"2026-11-26T00:00:00Z","data":{"seq":0}}'
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as threads:
        list(threads.map(lambda _: pool.request("POST", url, body=body).status, range(n)))
    elapsed = time.perf_counter() - start
    pool.clear()
    return n / elapsed


def delivery_rate(n: int) -> tuple[float, int]:
    """Deliveries per second through the worker's delivery pass until all are delivered."""
    from sqlalchemy import text

    from clearway.assembly import wiring_build
    from clearway.db import get_engine, get_sessionmaker
    from clearway.notifications.jobs import deliver
    from clearway.worker import JobContext

    ctx = JobContext(sessions=get_sessionmaker(), wiring=wiring_build())
    start, sent = time.perf_counter(), 0
    while sent < n and time.perf_counter() - start < 120:
        sent += deliver(ctx)
    elapsed = time.perf_counter() - start
    ctx.close()
    with get_engine().connect() as conn:
        delivered = conn.execute(text("SELECT count(*) FROM notification_deliveries WHERE status='delivered'")).scalar()
    return n / elapsed, int(delivered or 0)


def measure(tmp: Path, args: argparse.Namespace, secret: str) -> dict[str, Any]:
    """Every figure, on a migrated cluster with the demo accounts and a receiver process."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_accounts
    from clearway.migrate import upgrade_head

    upgrade_head(os.environ["CLEARWAY_DATABASE_URL"])
    with get_sessionmaker()() as db, db.begin():
        demo_accounts(db=db, now=utcnow())
    if args.projection_only:
        seed_tasks(args.tasks)
        return {"projection": projection_figures(args.tasks, args.samples)}
    one, first, deep = queue_figures(args.tasks, args.samples)
    port = free_port()
    hook = f"http://127.0.0.1:{port}/hook"
    receiver = subprocess.Popen([sys.executable, str(ROOT / "tests/notifications/receiver.py"), str(port),
                                 str(tmp / "received.jsonl"), secret], stdout=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        bare_one, bare_many = bare_posts(hook, 2000, 1), bare_posts(hook, 5000, 32)
        seed_deliveries(args.deliveries, hook, secret)
        rate, delivered = delivery_rate(args.deliveries)
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    projection = projection_figures(args.tasks, args.samples)
    return {"one": one, "first": first, "deep": deep, "bare_one": bare_one, "bare_many": bare_many, "rate": rate,
            "delivered": delivered, "projection": projection}


def report(f: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the figures next to their baselines."""
    if args.projection_only:
        projection_report(f["projection"], args.tasks)
        return
    one, first, deep = f["one"], f["first"], f["deep"]
    print(f"PostgreSQL 15, 2 cores shared by database, client and receiver; {args.samples} samples per latency")
    print(f"(a) SELECT 1 round trip            p50 {statistics.median(one):6.2f} ms   p99 {pct(one, 99):6.2f} ms")
    print(f"(b) queue page, {args.tasks:,} open tasks  first page  p50 {statistics.median(first):6.2f} ms   "
          f"p99 {pct(first, 99):6.2f} ms")
    print(f"    by cursor, deeper pages          p50 {statistics.median(deep):6.2f} ms   p99 {pct(deep, 99):6.2f} ms")
    print(f"(c) bare POST to the receiver       {f['bare_one']:7.0f} req/s (1 client)   "
          f"{f['bare_many']:7.0f} req/s (32 clients)")
    print(f"(d) signed webhook deliveries       {f['rate']:7.0f} deliveries/s ({f['delivered']}/{args.deliveries} "
          f"delivered, 32 concurrent, in order per declaration)")
    print(f"ratios: (b) p99 / (a) p99 = {pct(first, 99) / pct(one, 99):.1f}x   (d)/(c 32 clients) = "
          f"{f['rate'] / f['bare_many']:.0%}")
    projection_report(f["projection"], args.tasks)


def main() -> None:
    """Start a throw-away cluster, measure, print, clean up."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--projection-only", action="store_true", help="(e) only: seed the tasks, skip (a)-(d)")
    args = parser.parse_args()
    secret = "whsec_" + "YmVuY2htYXJrLXNlY3JldC0wMTIzNDU2Nzg5YWI="
    os.environ.update(CLEARWAY_ENVIRONMENT="demo", CLEARWAY_SECRET_KEY="benchmark-secret-0123456789abcdef",
                      CLEARWAY_WEBHOOK_CONCURRENCY="32", CLEARWAY_WEBHOOK_BATCH="512")
    # The receiver is on loopback over http, which only the test environment allows by default: without this
    # every delivery is refused before sending (0 delivered) and (d) times the failures.
    os.environ.setdefault("CLEARWAY_OUTBOUND_ALLOW_LOOPBACK", "true")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)  # the cluster runs as the postgres user when we are root
        os.environ["CLEARWAY_DATABASE_URL"] = subprocess.check_output(
            [str(ROOT / "scripts/pgcluster.sh"), "start", str(tmp / "pg"), str(free_port())], text=True).strip()
        try:
            figures = measure(tmp, args, secret)
        finally:
            subprocess.run([str(ROOT / "scripts/pgcluster.sh"), "stop", str(tmp / "pg")], check=False)
    report(figures, args)


if __name__ == "__main__":
    main()
