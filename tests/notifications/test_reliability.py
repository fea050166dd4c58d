"""With real processes: a receiver that is down for a while, and a worker killed with SIGKILL mid-delivery.

Every notification arrives once per sequence number, in order per declaration; a repeat after the
kill carries the same webhook-id, so the receiver can drop it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clearway.notifications.models import Delivery
from tests.factories import lodge_direct
from tests.notifications.conftest import FAST, endpoint, hook_url
from tests.notifications.receiver import read_log
from tests.server import free_port

RECEIVER = Path(__file__).with_name("receiver.py")
DECLARATIONS = 40  # three notifications each: accepted, channelled, released


def _worker(db_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **FAST, "CLEARWAY_DATABASE_URL": db_url, "CLEARWAY_WEBHOOK_CONCURRENCY": "16"}
    return subprocess.Popen([sys.executable, "-m", "clearway.cli", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _receiver(port: int, log: Path, secret: str, *extra: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, str(RECEIVER), str(port), str(log), secret, *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _until(lambda: _listening(port), 10)
    return proc


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {seconds} s")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _delivered(db) -> int:
    with db.begin():
        return int(db.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "delivered")) or 0)


def _check(log: Path, total: int, *, duplicates_allowed: bool) -> list[dict]:
    received = read_log(str(log))
    first: dict[int, dict] = {}
    for r in received:
        if r["seq"] in first:  # a repeat must be recognisable as one: the same webhook-id
            assert first[r["seq"]]["id"] == r["id"]
        first.setdefault(r["seq"], r)
    assert sorted(first) == list(range(1, total + 1))
    if not duplicates_allowed:
        assert len(received) == total
    unique = [first[s] for s in dict.fromkeys(r["seq"] for r in received)]
    for mrn in {r["mrn"] for r in unique}:
        seqs = [r["seq"] for r in unique if r["mrn"] == mrn]
        assert seqs == sorted(seqs), mrn  # in order per declaration
    return received


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_receiver_down_for_a_while_gets_everything_once_and_in_order(client, db, db_url, tmp_path):
    port, log = free_port(), tmp_path / "received.jsonl"
    secret = endpoint(client, hook_url(port))
    lodge_direct("trader-a", DECLARATIONS)
    worker = _worker(db_url)
    receiver = None
    try:
        def tried_twice() -> bool:  # the worker retries against a closed port meanwhile
            with db.begin():
                return (db.scalar(select(func.max(Delivery.attempts))) or 0) >= 2

        _until(tried_twice, 60)
        assert _delivered(db) == 0
        receiver = _receiver(port, log, secret)
        _until(lambda: _delivered(db) == 3 * DECLARATIONS, 60)
    finally:
        _stop(worker)
        if receiver:
            _stop(receiver)
    _check(log, 3 * DECLARATIONS, duplicates_allowed=False)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_killing_the_worker_mid_delivery_loses_nothing_and_repeats_only_known_ids(client, db, db_url, tmp_path):
    port, log = free_port(), tmp_path / "received.jsonl"
    secret = endpoint(client, hook_url(port))
    lodge_direct("trader-a", DECLARATIONS)
    receiver = _receiver(port, log, secret, "--delay-ms", "40")  # slow answers: kills land mid-request
    try:
        worker = _worker(db_url)
        _until(lambda: len(read_log(str(log))) >= 20, 60)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        assert _delivered(db) < 3 * DECLARATIONS
        worker = _worker(db_url)
        try:
            _until(lambda: _delivered(db) == 3 * DECLARATIONS, 90)
        finally:
            _stop(worker)
    finally:
        _stop(receiver)
    _check(log, 3 * DECLARATIONS, duplicates_allowed=True)
