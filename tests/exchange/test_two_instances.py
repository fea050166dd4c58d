"""Two real Clearway instances on 127.0.0.1, each its own process and database: JP's worker pushes a burst of
export declarations to KR's server; KR is killed (-9) in the middle and restarted: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from clearway.audit.models import AuditRecord
from clearway.db import utcnow
from clearway.exchange.models import InMessage, OutMessage, PreArrival
from clearway.exchange.service import message_send
from tests.exchange.kit import Instance, instance, introduce
from tests.server import free_port, start_server, stop_server

pytestmark = pytest.mark.slow
BURST = 300


def _env(path: object, party: str) -> dict[str, str]:
    return {"CLEARWAY_DATABASE_URL": f"sqlite:///{path}", "CLEARWAY_EXCHANGE_PARTY": party,
            "CLEARWAY_EXCHANGE_POLL_S": "0.2", "CLEARWAY_EXCHANGE_RETRY_BASE_S": "0.2",
            "CLEARWAY_EXCHANGE_RETRY_CAP_S": "1", "CLEARWAY_EXCHANGE_TIMEOUT_S": "5"}


def _queue(jp: Instance, start: int, n: int) -> None:
    for first in range(start, start + n, 25):
        with jp.sessions() as db, db.begin():
            for i in range(first, min(first + 25, start + n)):
                message_send(db=db, actor="test", partner="KR", doc_type="export_declaration",
                             business_id=f"26JP{i:012d}", version=1, purpose="risk_assessment",
                             payload={"export_mrn": f"26JP{i:012d}", "destination": "KR",
                                      "items": [{"hs_code": "851712", "quantity": str(i), "value": "10.00"}]},
                             now=utcnow())


def _count(side: Instance, query: object) -> int:
    with side.sessions() as db:
        return int(db.scalar(query) or 0)  # type: ignore[call-overload]


def _wait(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_kr_killed_during_a_burst_and_restarted_loses_nothing_and_applies_nothing_twice(tmp_path):
    port = free_port()
    jp = instance(tmp_path / "jp.db", "JP", migrate=True)
    kr = instance(tmp_path / "kr.db", "KR", migrate=True)
    introduce(jp, kr, endpoint_of_b=f"http://127.0.0.1:{port}")
    server = start_server(port, extra_env=_env(tmp_path / "kr.db", "KR"))
    worker = subprocess.Popen([sys.executable, "-m", "clearway.cli", "worker"],
                              env={**os.environ, **_env(tmp_path / "jp.db", "JP")},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    received = select(func.count()).select_from(InMessage)
    unsettled = select(func.count()).select_from(OutMessage).where(OutMessage.settled.is_(False))
    try:
        _queue(jp, 0, BURST // 2)
        assert _wait(lambda: _count(kr, received) >= 20, 60), "nothing arrived at KR"
        server.send_signal(signal.SIGKILL)
        server.wait()
        at_kill = _count(kr, received)
        _queue(jp, BURST // 2, BURST - BURST // 2)  # the rest of the burst while KR is down
        failing = select(func.count()).select_from(OutMessage).where(OutMessage.last_error.is_not(None))
        assert _wait(lambda: _count(jp, failing) > 0, 30), "JP never noticed KR was down"
        assert at_kill < BURST
        server = start_server(port, extra_env=_env(tmp_path / "kr.db", "KR"))
        assert _wait(lambda: _count(jp, unsettled) == 0, 120), f"{_count(jp, unsettled)} never settled"
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        stop_server(server)
    with kr.sessions() as db:
        rows = list(db.scalars(select(InMessage).order_by(InMessage.seq)))
        applied = db.scalar(select(func.count()).select_from(AuditRecord)
                            .where(AuditRecord.action.like("exchange.received_%")))
        prearrivals = db.scalar(select(func.count()).select_from(PreArrival))
    assert [r.seq for r in rows] == list(range(1, BURST + 1))
    assert {r.state for r in rows} == {"accepted"}
    assert [r.apply_order for r in rows] == sorted(r.apply_order for r in rows)  # type: ignore[type-var]
    assert applied == prearrivals == BURST
    assert _count(jp, select(func.count()).select_from(OutMessage).where(OutMessage.state == "accepted")) == BURST
