"""Event-stream relay throughput and publish lag to a local NATS JetStream, next to bare publishing in the same run.

A producer thread commits declaration events at the target rate (in small transactions, every 50 ms) into a
SQLite database with the real schema, and moves the notification relay's high-water mark with them (that relay
is measured by its own tests); the stream relay (`stream_publish_once` with the worker's JetStream publisher)
runs in a loop as the worker runs it. Lag is measured per event from its timestamp (taken at commit) to its
JetStream acknowledgement.
Baseline: the same number of messages of the same size published with the same publisher (same in-flight
window, same message ids), without the database: what NATS and the client alone sustain on this machine.
Targets (issue 23): relay ≥ 5,000 events/s with p99 publish lag < 1 s.
Usage: python benchmarks/stream.py [--seconds 15] [--rate 6000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "benchmark-secret-key-not-for-production")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402
from tests.server import free_port  # noqa: E402

from clearway.db import make_engine  # noqa: E402
from clearway.declarations.models import Declaration, DeclarationEvent  # noqa: E402
from clearway.migrate import upgrade_head  # noqa: E402
from clearway.notifications.models import RelayState  # noqa: E402
from clearway.notifications.stream import JetStreamPublisher, StreamMessage, stream_publish_once  # noqa: E402


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def _nats(store: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.8)
    return proc, f"nats://127.0.0.1:{port}"


def _seed(url: str) -> tuple[sessionmaker, list[int]]:  # type: ignore[type-arg]
    import sqlalchemy as sa
    from tests.factories import lodge_direct, make_world

    os.environ["CLEARWAY_DATABASE_URL"] = url
    upgrade_head(url)
    make_world()
    lodge_direct("trader-a", 50)
    engine = make_engine(url, 4)
    sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    with sessions() as db, db.begin():
        ids = list(db.scalars(select(Declaration.id)))
        top = db.scalar(select(sa.func.max(DeclarationEvent.id))) or 0
        if db.get(RelayState, 1) is None:
            db.add(RelayState(id=1, last_event_id=top))
        else:
            db.execute(update(RelayState).where(RelayState.id == 1).values(last_event_id=top))
    return sessions, ids


def run(seconds: float, rate: int) -> None:
    """Measure and print the stream relay next to bare publishing."""
    work = tempfile.mkdtemp(prefix="clearway-stream-bench-")
    nats_proc, nats_url = _nats(os.path.join(work, "js"))
    try:
        sessions, declaration_ids = _seed(f"sqlite:///{work}/bench.db")
        publisher = JetStreamPublisher(url=nats_url, name="BENCH", duplicate_window_s=7200)
        stop, produced = threading.Event(), [0]

        def produce() -> None:
            tick, per_tick = 0.05, max(1, int(rate * 0.05))
            next_at = time.monotonic()
            while not stop.is_set():
                now = datetime.now(UTC)
                rows = [{"declaration_id": declaration_ids[i % len(declaration_ids)], "kind": "noted",
                         "from_status": "accepted", "to_status": "accepted", "at": now, "actor": "bench",
                         "actor_org": "KR1000000001", "reason": "benchmark event", "version": 1}
                        for i in range(per_tick)]
                with sessions() as db, db.begin():
                    db.execute(insert(DeclarationEvent), rows)
                    top = db.scalar(select(DeclarationEvent.id).order_by(DeclarationEvent.id.desc()).limit(1))
                    db.execute(update(RelayState).where(RelayState.id == 1).values(last_event_id=top))
                produced[0] += per_tick
                next_at += tick
                time.sleep(max(0.0, next_at - time.monotonic()))

        producer = threading.Thread(target=produce, daemon=True)
        published = 0
        publisher.publish([])  # connect and create the stream before the clock starts
        publisher.lags_s.clear()
        started = time.monotonic()
        producer.start()
        while time.monotonic() - started < seconds:
            with sessions() as db, db.begin():
                done = stream_publish_once(db=db, publish=publisher.publish, batch=5000, now=datetime.now(UTC))
            published += done
            if done == 0:
                time.sleep(0.02)
        stop.set()
        producer.join()
        elapsed = time.monotonic() - started
        lags = list(publisher.lags_s)
        relay_rate = published / elapsed

        # Baseline: bare publishing of as many messages of the same size, same publisher, no database.
        sample = b"x" * 330
        bare = [StreamMessage(f"clearway.bench.KR.noted.{i % 8}", f"bare-{i}", sample, datetime.now(UTC))
                for i in range(max(published, 10_000))]
        t0 = time.monotonic()
        publisher.publish(bare)
        bare_rate = len(bare) / (time.monotonic() - t0)
        publisher.close()
        print(f"stream relay: {published:,} events in {elapsed:.1f} s = {relay_rate:,.0f} events/s "
              f"(offered {produced[0] / elapsed:,.0f}/s); publish lag p50 {_pct(lags, 50) * 1000:.0f} ms, "
              f"p99 {_pct(lags, 99) * 1000:.0f} ms")
        print(f"baseline bare publish (no database): {len(bare):,} messages = {bare_rate:,.0f} msg/s")
        print(f"targets: ≥ 5,000 events/s ({'met' if relay_rate >= 5000 else 'NOT met'}), "
              f"p99 lag < 1 s ({'met' if _pct(lags, 99) < 1 else 'NOT met'})")
    finally:
        nats_proc.terminate()
        nats_proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rate", type=int, default=6000, help="events offered per second")
    args = parser.parse_args()
    run(args.seconds, args.rate)
