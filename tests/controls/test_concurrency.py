"""Many officers claiming at once: every task is taken exactly once, and one task by one officer."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from clearway.errors import Conflict
from tests.controls.flows import TOBACCO, add_officer, lodge

OFFICERS, TASKS = 8, 40


def _principals():
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        users = db.scalars(select(User).where(User.role == "officer").order_by(User.username))
        return [principal_of(u) for u in users]


def _race(target, args_list):
    start = threading.Barrier(len(args_list))
    threads = [threading.Thread(target=target, args=(start, *args)) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)


@pytest.mark.timeout(120)
def test_concurrent_claim_next_hands_every_task_to_exactly_one_officer(client):
    from clearway.controls.service import task_claim_next
    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import NotFound

    for n in range(OFFICERS - 1):
        add_officer(f"examiner-{n}")
    for _ in range(TASKS):
        lodge(client, TOBACCO)
    taken: list[tuple[str, int]] = []
    lock = threading.Lock()

    def work(start, actor):
        start.wait()
        while True:
            with get_sessionmaker()() as db, db.begin():
                try:
                    task = task_claim_next(db=db, actor=actor, now=utcnow())
                except NotFound:
                    return
                with lock:
                    taken.append((actor.username, task.id))
            # An officer works a task before taking the next; without the pause, on a loaded host one thread can
            # win SQLite's write lock for every claim and the "shared" check below says nothing about claiming.
            time.sleep(0.01)

    _race(work, [(p,) for p in _principals()])
    counts = Counter(task_id for _, task_id in taken)
    assert len(counts) == TASKS and set(counts.values()) == {1}
    assert len({who for who, _ in taken}) > 1  # the work was actually shared


@pytest.mark.timeout(120)
def test_one_task_claimed_by_many_officers_at_once_goes_to_one(client):
    from clearway.controls.service import task_claim
    from clearway.db import get_sessionmaker, utcnow

    for n in range(OFFICERS - 1):
        add_officer(f"examiner-{n}")
    lodge(client, TOBACCO)
    winners, losers = [], []

    def grab(start, actor):
        start.wait()
        with get_sessionmaker()() as db:
            try:
                with db.begin():
                    task_claim(db=db, actor=actor, task_id=1, now=utcnow())
                winners.append(actor.username)
            except Conflict:
                losers.append(actor.username)

    _race(grab, [(p,) for p in _principals()])
    assert len(winners) == 1 and len(losers) == OFFICERS - 1
