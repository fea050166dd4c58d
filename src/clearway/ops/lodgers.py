"""Clients that lodge through the HTTP API during a fault, and the ledger that checks nothing acknowledged is lost.

Each client lodges declarations one after another, each with an Idempotency-Key of its own, and retries the
same declaration with the same key after every 503 or broken connection until it is acknowledged (201, or 200
for a replay) or the run ends. The ledger keeps every acknowledgement with its time, every answer by status and
problem code, and every answer that is neither an acknowledgement nor a coded 503 (a fault must never give a
500 or an uncoded error). `verify` then reads the database: every acknowledged LRN is stored, once, under the
MRN the client was given. Used by the failover drill, the fault-injection tests and benchmarks.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration

# Problem codes a fault may answer with: the caller is told to retry, nothing was stored.
RETRYABLE = frozenset({"server.database_unavailable", "server.busy", "server.statement_timeout",
                       "server.storage_unavailable"})


@dataclass
class Ledger:
    """What the clients were told, shared by all of them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[str, str] = field(default_factory=dict)  # LRN -> MRN
    ack_times: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds per acknowledged request
    answers: Counter[str] = field(default_factory=Counter)  # "201", "503 server.busy", "connection error"
    unexpected: list[str] = field(default_factory=list)  # neither acknowledged nor a coded retryable answer
    replays_differing: list[str] = field(default_factory=list)  # a replay that gave another MRN
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, answer)

    def note(self, answer: str) -> None:
        """Count one answer."""
        with self.lock:
            self.answers[answer] += 1
            self.timeline.append((time.monotonic(), answer))

    def ack(self, lrn: str, mrn: str, seconds: float) -> None:
        """Record an acknowledged lodgement."""
        with self.lock:
            known = self.acked.setdefault(lrn, mrn)
            if known != mrn:
                self.replays_differing.append(lrn)
            self.ack_times.append(time.monotonic())
            self.latencies.append(seconds)

    def longest_gap(self, start: float, end: float) -> float:
        """The longest stretch in [start, end] without an acknowledgement, in seconds."""
        with self.lock:
            points = sorted([start, *(t for t in self.ack_times if start <= t <= end), end])
        return max((b - a for a, b in itertools.pairwise(points)), default=0.0)

    def p99(self) -> float:
        """The 99th percentile of acknowledged requests' latency, in seconds."""
        with self.lock:
            ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def documents(template: dict[str, Any], prefix: str) -> Iterable[dict[str, Any]]:
    """Endless copies of a valid declaration document with LRNs prefix-000001, prefix-000002, …"""
    for n in itertools.count(1):
        doc = copy.deepcopy(template)
        doc["lrn"] = f"{prefix}-{n:06d}"
        yield doc


def lodge_until(client: httpx.Client, token: str, docs: Iterable[dict[str, Any]], ledger: Ledger, stop_at: float,
                retry_s: float = 0.2, rate_gap_s: float = 0.0) -> None:
    """Lodge docs one by one until stop_at, each retried with its own Idempotency-Key until acknowledged."""
    headers = {"Authorization": f"Bearer {token}"}
    for doc in docs:
        if time.monotonic() >= stop_at:
            return
        key = {"Idempotency-Key": f"lodger-{doc['lrn']}"}
        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                r = client.post("/api/v1/declarations", json=doc, headers={**headers, **key})
            except httpx.HTTPError as exc:  # the server process or the network: retried like a 503
                ledger.note(f"connection error {type(exc).__name__}")
                time.sleep(retry_s)
                continue
            if r.status_code in (200, 201):
                ledger.note(str(r.status_code))
                ledger.ack(doc["lrn"], r.json()["mrn"], time.monotonic() - started)
                break
            code = _code(r)
            ledger.note(f"{r.status_code} {code}")
            if r.status_code == 503 and code in RETRYABLE and "Retry-After" in r.headers:
                time.sleep(retry_s)  # shorter than Retry-After: the drill measures how soon service is back
                continue
            with ledger.lock:
                ledger.unexpected.append(f"{r.status_code} {code} {r.text[:200]}")
            break
        if rate_gap_s:
            time.sleep(rate_gap_s)


def _code(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return "(not json)"
    return str(body.get("code", "(no code)")) if isinstance(body, dict) else "(no code)"


@dataclass(frozen=True)
class Verdict:
    """Acknowledged lodgements checked against the database."""

    acknowledged: int
    missing: int  # acknowledged, not stored
    duplicated: int  # stored more than once
    wrong_mrn: int  # stored under another MRN than the one acknowledged
    stored_unacknowledged: int  # stored though the client never heard so (it gave up): not a loss


def verify(db: Session, ledger: Ledger, prefix: str) -> Verdict:
    """Compare the ledger with the declarations stored under LRNs starting with prefix (one per lodger and run)."""
    with db.begin():
        rows = db.execute(select(Declaration.lrn, Declaration.mrn).where(Declaration.lrn.like(f"{prefix}%"))).all()
    counts = Counter(lrn for lrn, _ in rows)
    stored = {lrn: mrn for lrn, mrn in rows}
    acked = dict(ledger.acked)
    return Verdict(acknowledged=len(acked),
                   missing=sum(1 for lrn in acked if lrn not in stored),
                   duplicated=sum(n - 1 for n in counts.values() if n > 1),
                   wrong_mrn=sum(1 for lrn, mrn in acked.items() if lrn in stored and stored[lrn] != mrn),
                   stored_unacknowledged=sum(1 for lrn in stored if lrn not in acked))


def run_lodgers(base_url: str, token: str, template: dict[str, Any], prefix: str, clients: int, stop_at: float,
                ledger: Ledger, retry_s: float = 0.2, rate_gap_s: float = 0.0,
                timeout_s: float = 15.0) -> list[threading.Thread]:
    """Start `clients` lodging threads against base_url; join the returned threads to wait for them."""
    def one(n: int) -> None:
        with httpx.Client(base_url=base_url, timeout=timeout_s) as client:
            lodge_until(client, token, documents(template, f"{prefix}{n}"), ledger, stop_at, retry_s, rate_gap_s)

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    return threads
