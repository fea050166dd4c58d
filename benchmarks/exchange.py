"""Partner exchange throughput and latency between two Clearway instances on this machine, next to a bare
signed-POST loop measured in the same run.

KR is a real server process (uvicorn, its own SQLite database, synchronous=FULL); JP is this process with its
own database: a producer thread commits export declarations at the target rate in small transactions, and a
sender thread runs the worker's delivery pass (claim due envelopes, push them over HTTP, apply KR's signed
receipts) in a loop. Latency is measured from the moment JP's commit returns to the moment KR's signed receipt
is back at JP, which is after KR's commit: an upper bound of commit-to-commit time.
Baseline: the same batches, signed the same way, POSTed to a bare ASGI app that parses them and answers 200
(no database, no verification): what HTTP, JSON and signing alone cost on this machine.
Targets (issue 15): sustained 500 messages/s, p95 end-to-end under 1 s, error rate under 0.10 %.
Usage: python benchmarks/exchange.py [--seconds 20] [--rate 500] [--batch 200] [--pg postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "benchmark-secret-key-not-for-production")

from clearway.db import make_engine, utcnow
from clearway.exchange import directory, envelope
from clearway.exchange.models import InMessage, OutMessage
from clearway.exchange.service import message_send, outbox_claim, outbox_prefetch, receipts_apply
from clearway.exchange.settings import exchange_settings
from clearway.exchange.transport import HttpTransport, TransportError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.exchange.kit import instance, introduce  # noqa: E402
from tests.server import free_port, start_server, stop_server  # noqa: E402

BARE_APP = """
import orjson
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    n = len(orjson.loads(body)["envelopes"])
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": orjson.dumps({"receipts": [{}] * n})})
"""


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def exports_queue(db: Any, first: int, count: int) -> list[str]:
    """Queue export declarations first .. first+count-1 for KR as `exports_send` queues a batch (what is queued
    already is read once for the batch); their business ids."""
    ids = [f"26JP{n:012d}" for n in range(first, first + count)]
    outbox_prefetch(db=db, partner="KR", keys=[(business_id, 1) for business_id in ids])
    for business_id in ids:
        message_send(db=db, actor="bench", partner="KR", doc_type="export_declaration",
                     business_id=business_id, version=1, purpose="risk_assessment",
                     payload={"export_mrn": business_id, "destination": "KR",
                              "items": [{"hs_code": "851712", "quantity": "10", "value": "120.00"}]},
                     now=utcnow())
    return ids


def databases(folder: Path, pg: str | None) -> tuple[str, str]:
    """Two empty databases: SQLite files, or two new databases on the PostgreSQL server of `pg`."""
    if not pg:
        return f"sqlite:///{folder / 'jp.db'}", f"sqlite:///{folder / 'kr.db'}"
    admin = make_engine(str(make_url(pg).set(database="postgres").render_as_string(hide_password=False)), 1)
    urls = []
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        for side in ("jp", "kr"):
            name = f"clearway_bench_{side}_{os.getpid()}"
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            urls.append(make_url(pg).set(database=name).render_as_string(hide_password=False))
    admin.dispose()
    return urls[0], urls[1]


def exchange_run(seconds: float, rate: int, batch: int, folder: Path, pg: str | None) -> dict[str, float]:
    """JP produces at `rate` for `seconds` and delivers to a KR server; throughput, latency, errors."""
    port = free_port()
    jp_url, kr_url = databases(folder, pg)
    jp, kr = instance(jp_url, "JP", migrate=True), instance(kr_url, "KR", migrate=True)
    introduce(jp, kr, endpoint_of_b=f"http://127.0.0.1:{port}")
    server = start_server(port, extra_env={"CLEARWAY_DATABASE_URL": kr_url})
    committed: dict[str, float] = {}
    answered: dict[str, float] = {}
    stop = threading.Event()
    transport = HttpTransport(10.0)
    failures = [0]

    def produce() -> None:
        per_tick, n = max(1, rate // 50), 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            ids = []
            try:
                with jp.sessions() as db, db.begin():
                    ids.extend(exports_queue(db, n, per_tick))
                    n += per_tick
            except OperationalError:  # not committed: these were never queued
                failures[0] += 1
                ids = []
            at = time.perf_counter()
            committed.update(dict.fromkeys(ids, at))
            time.sleep(max(0.0, started + (n / rate) - time.perf_counter()))

    def deliver() -> None:
        endpoint = f"http://127.0.0.1:{port}"
        while not stop.is_set():
            try:
                with jp.sessions() as db, db.begin():
                    envelopes = outbox_claim(db=db, partner="KR", now=utcnow(), limit=batch)
            except OperationalError:  # SQLite busy past its timeout on a loaded machine: try again
                failures[0] += 1
                continue
            if not envelopes:
                time.sleep(0.005)
                continue
            try:
                receipts = transport.push(endpoint, envelopes)
            except TransportError:
                failures[0] += 1
                continue
            at = time.perf_counter()
            answered.update({e["header"]["business_id"]: at for e in envelopes if e["header"]["business_id"]
                             not in answered})
            try:
                with jp.sessions() as db, db.begin():
                    receipts_apply(db=db, partner="KR", receipts=receipts, now=utcnow())
            except OperationalError:  # the receipts come again with the next push
                failures[0] += 1

    producer, sender = threading.Thread(target=produce), threading.Thread(target=deliver)
    started = time.perf_counter()
    producer.start()
    sender.start()
    producer.join()
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and len(answered) < len(committed):
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop.set()
    sender.join()
    stop_server(server)
    with jp.sessions() as db:
        total = db.scalar(select(func.count()).select_from(OutMessage)) or 0
        accepted = db.scalar(select(func.count()).select_from(OutMessage).where(OutMessage.state == "accepted")) or 0
    with kr.sessions() as db:
        applied = db.scalar(select(func.count()).select_from(InMessage).where(InMessage.state == "accepted")) or 0
    latencies = [answered[k] - committed[k] for k in committed if k in answered]
    return {"messages": total, "accepted": accepted, "applied_at_kr": applied, "elapsed_s": elapsed,
            "rate": accepted / elapsed, "p50_s": percentile(latencies, 50), "p95_s": percentile(latencies, 95),
            "p99_s": percentile(latencies, 99), "error_rate": 1 - accepted / total if total else 1.0,
            "push_failures": failures[0]}


def baseline_run(messages: int, batch: int) -> dict[str, float]:
    """Sign `messages` envelopes and POST them in batches to a bare ASGI app: messages per second."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "bare.py").write_text(BARE_APP)
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare:app", "--port", str(port), "--host",
                                 "127.0.0.1", "--log-level", "warning", "--app-dir", folder])
        client = httpx.Client(timeout=10)
        for _ in range(100):
            try:
                client.post(f"http://127.0.0.1:{port}/", json={"envelopes": []})
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        jwk = envelope.key_generate()
        now = utcnow()
        started = time.perf_counter()
        for first in range(0, messages, batch):
            envelopes = []
            for n in range(first, min(first + batch, messages)):
                header = {"sender": "JP", "receiver": "KR", "doc_type": "export_declaration",
                          "purpose": "risk_assessment", "business_id": f"B{n}", "version": 1,
                          "stream": "export_declaration", "seq": n + 1, "created_at": envelope.rfc3339(now),
                          "expires_at": envelope.rfc3339(now + timedelta(days=1))}
                envelopes.append(envelope.envelope_build(header=header, payload={"export_mrn": f"B{n}"}, jwk=jwk))
            client.post(f"http://127.0.0.1:{port}/", json={"envelopes": envelopes}).raise_for_status()
        elapsed = time.perf_counter() - started
        proc.terminate()
        proc.wait()
    return {"messages": messages, "rate": messages / elapsed}


def main() -> None:
    """Run both and print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--batch", type=int, default=exchange_settings().batch)
    parser.add_argument("--pg", help="A PostgreSQL server URL: both instances get a database there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        with instance(Path(folder) / "keys.db", "JP").sessions() as db:  # warm the imports and crypto
            directory.own_public_keys(db=db, now=utcnow())
        base = baseline_run(int(args.rate * args.seconds), args.batch)
        run = exchange_run(args.seconds, args.rate, args.batch, Path(folder), args.pg)
    print(f"databases: {'PostgreSQL' if args.pg else 'SQLite'}")
    print(f"baseline: bare signed-POST loop, batches of {args.batch}: {base['rate']:,.0f} messages/s")
    print(f"exchange: offered {args.rate}/s for {args.seconds:.0f} s: {run['messages']} queued, "
          f"{run['accepted']} accepted at JP, {run['applied_at_kr']} applied at KR, "
          f"{run['rate']:,.0f} messages/s sustained ({run['rate'] / base['rate']:.1%} of baseline)")
    # JP's own commits can be what limits the run (a round trip per statement on PostgreSQL): said so.
    print(f"JP committed {run['messages'] / args.seconds:,.0f} messages/s of the {args.rate}/s offered")
    print(f"latency JP commit -> KR receipt at JP: p50 {run['p50_s'] * 1000:.0f} ms, p95 {run['p95_s'] * 1000:.0f} ms,"
          f" p99 {run['p99_s'] * 1000:.0f} ms")
    print(f"error rate {run['error_rate']:.4%} (target < 0.10 %), failed pushes {run['push_failures']}")


if __name__ == "__main__":
    main()
