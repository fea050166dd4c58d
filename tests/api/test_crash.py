"""An acknowledged declaration survives kill -9 of the server; retries after the crash with the
same Idempotency-Key give one record each."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select

from clearway.declarations.models import Declaration
from tests.factories import bearer_for, document
from tests.server import free_port, start_server, stop_server

CLIENTS, PER_CLIENT = 8, 25


def _client_loop(base, token, docs, acks, stop):
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=5) as http:
        for key, doc in docs:
            if stop.is_set():
                return
            try:
                r = http.post("/api/v1/declarations", json=doc, headers={**headers, "Idempotency-Key": key})
            except httpx.HTTPError:
                return  # the server died under us: this one is unacknowledged
            if r.status_code == 201:
                acks[key] = r.json()["mrn"]


@pytest.mark.slow
def test_acknowledged_lodgements_survive_kill_9_and_retries_give_one_record(world, db):
    token = bearer_for("trader-a")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    batches = [[(f"crash-{c}-{i}", document()) for i in range(PER_CLIENT)] for c in range(CLIENTS)]
    acks: dict[str, str] = {}
    stop = threading.Event()
    proc = start_server(port)
    threads = [threading.Thread(target=_client_loop, args=(base, token, b, acks, stop)) for b in batches]
    for t in threads:
        t.start()
    while len(acks) < 40:  # kill mid-burst, once some lodgements were acknowledged
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    acked_before = dict(acks)
    assert 40 <= len(acked_before) < CLIENTS * PER_CLIENT

    proc = start_server(port)
    try:
        retry: dict[str, str] = {}
        for b in batches:  # every client retries everything with the same keys
            _client_loop(base, token, b, retry, threading.Event())
    finally:
        stop_server(proc)
    assert len(retry) == CLIENTS * PER_CLIENT
    assert all(retry[k] == mrn for k, mrn in acked_before.items())  # same answer, same record
    with db.begin():
        stored = db.scalar(select(func.count()).select_from(Declaration))
        mrns = set(db.scalars(select(Declaration.mrn)))
    assert stored == CLIENTS * PER_CLIENT
    assert set(acked_before.values()) <= mrns
