"""Webhook deliveries: claim what is due, sign it (Standard Webhooks), POST it, record the outcome.

Order per declaration: a delivery is due only when every earlier delivery with the same ordering
key went through, so a failing one holds the later ones of its declaration and nobody else's.
A claim takes a lease (and counts the attempt) before the HTTP call, in its own short
transaction; a worker killed mid-call leaves the lease to expire, and the delivery is sent again
with the same webhook-id (also sent as Idempotency-Key), which is what the receiver deduplicates on.
Each outcome is recorded as soon as its call returns (notifications.jobs.deliver), so at most
2 × `concurrency` deliveries are ever sent but not yet recorded (those running and those being
committed): that is the most a kill can make the receiver see twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import urllib3
from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from clearway import outbound
from clearway.config import get_settings
from clearway.notifications.models import Attempt, Delivery, Notification, Subscriber
from clearway.notifications.settings import backoff_s, webhook_settings


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with a whsec_ secret (Standard Webhooks)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secrets: list[str], msg_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The webhook headers, signed with every active secret (space-separated) for rotation."""
    # Idempotency-Key repeats webhook-id for receivers whose de-duplication keys on that common header.
    return {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
            "idempotency-key": msg_id}


@dataclass(frozen=True)
class Job:
    """One claimed delivery, with what is needed to send it."""

    delivery_id: int
    attempts: int
    organisation: str
    url: str
    secrets: list[str]
    msg_id: str
    body: bytes


@dataclass(frozen=True)
class Result:
    """What one HTTP attempt gave."""

    job: Job
    status: int | None
    error: str | None
    duration_ms: int


def _due(now: datetime) -> Any:
    earlier = aliased(Delivery)
    blocked = exists().where(earlier.organisation == Delivery.organisation,
                             earlier.ordering_key == Delivery.ordering_key, earlier.id < Delivery.id,
                             earlier.status != "delivered")
    return and_(Delivery.status == "pending", Delivery.next_attempt_at <= now,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now), ~blocked)


def claim(*, db: Session, now: datetime, limit: int) -> list[Job]:
    """Lease up to `limit` due deliveries (skipping rows another worker holds) and count their attempt."""
    query = (select(Delivery.id, Delivery.attempts, Delivery.organisation, Notification.id.label("nid"),
                    Notification.payload, Subscriber.url, Subscriber.secrets)
             .join(Notification, Notification.id == Delivery.notification_id)
             .join(Subscriber, Subscriber.organisation == Delivery.organisation)
             .where(_due(now)).order_by(Delivery.id).limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Delivery, skip_locked=True)
    rows = db.execute(query).all()
    if not rows:
        return []
    lease = now + timedelta(seconds=webhook_settings().lease_s)
    db.execute(update(Delivery), [{"id": r.id, "attempts": r.attempts + 1, "lease_until": lease} for r in rows])
    return [Job(r.id, r.attempts + 1, r.organisation, r.url or "", [s["secret"] for s in r.secrets or []],
                f"msg_{r.nid}", orjson.dumps(r.payload)) for r in rows]


def _pool_key(target: outbound.Target) -> tuple[str, str, str, int]:
    return target.scheme, target.host, target.address, target.port


def error_class(exc: Exception) -> str:
    """A coarse, stable class of a failed attempt: what the subscriber may read without learning the network."""
    if isinstance(exc, outbound.OutboundRefused):
        return exc.reason
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "tls_failed"
    # Refused, timed out, reset, closed without an answer or not speaking HTTP: one class, so a closed port, a
    # filtered one and an open one look alike (urllib3 even reports a refused connection as a timeout).
    return "unreachable"


def send(pools: Pools, job: Job) -> Result:
    """POST one signed delivery to the address checked just now, without following redirects; never raises."""
    started = time.monotonic()
    try:
        if not job.url or not job.secrets:
            return Result(job, None, "no_endpoint", 0)
        loopback = get_settings().outbound_loopback
        target = outbound.target_check(job.url, allow_http=loopback, allow_loopback=loopback, resolve=pools.resolve)
        headers = signed_headers(job.secrets, job.msg_id, job.body, int(time.time()))
        response = pools.pool(target).urlopen("POST", target.path, body=job.body, redirect=False,
                                              headers={**headers, "host": _host_header(target)},
                                              preload_content=False, assert_same_host=False)
        response.read(200)
        response.release_conn()
        status, error = response.status, None if 200 <= response.status < 300 else f"http_{response.status}"
    except (urllib3.exceptions.HTTPError, outbound.OutboundRefused, OSError) as exc:
        status, error = None, error_class(exc)
    return Result(job, status, error, int((time.monotonic() - started) * 1000))


def _host_header(target: outbound.Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


class Pools:
    """Keep-alive connection pools per checked address: a request goes to the address its check passed,
    never to a fresh DNS answer; TLS still verifies the certificate for the name."""

    def __init__(self, *, concurrency: int, timeout: urllib3.Timeout,
                 resolve: outbound.Resolver = outbound.system_resolve, ca_certs: str | None = None):
        self.concurrency, self.timeout, self.resolve, self.ca_certs = concurrency, timeout, resolve, ca_certs
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, str, str, int], urllib3.HTTPConnectionPool] = {}

    def pool(self, target: outbound.Target) -> urllib3.HTTPConnectionPool:
        """The pool that connects to the target's checked address."""
        key = _pool_key(target)
        with self._lock:
            found = self._pools.get(key)
            if found is None:
                if len(self._pools) >= 256:  # many subscribers: drop the idle pools rather than grow
                    self.clear_locked()
                found = self._new_pool(target)
                self._pools[key] = found
            return found

    def _new_pool(self, target: outbound.Target) -> urllib3.HTTPConnectionPool:
        if target.scheme == "https":
            name = None if outbound.literal_address(target.host) else target.host
            return urllib3.HTTPSConnectionPool(target.address, target.port, server_hostname=name,
                                               assert_hostname=name or target.address, cert_reqs="CERT_REQUIRED",
                                               ca_certs=self.ca_certs, maxsize=self.concurrency, block=True,
                                               retries=False, timeout=self.timeout)
        return urllib3.HTTPConnectionPool(target.address, target.port, maxsize=self.concurrency, block=True,
                                          retries=False, timeout=self.timeout)

    def clear_locked(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    def clear(self) -> None:
        """Close every connection."""
        with self._lock:
            self.clear_locked()


def record(*, db: Session, results: list[Result], now: datetime) -> None:
    """Store each attempt in the log and move each delivery on: delivered, retried later, or dead."""
    if not results:
        return
    max_attempts, changes = webhook_settings().max_attempts, []
    for r in results:
        if r.error is None:
            changes.append({"id": r.job.delivery_id, "status": "delivered", "delivered_at": now, "lease_until": None,
                            "last_status": r.status, "last_error": None})
            continue
        dead = r.job.attempts >= max_attempts
        changes.append({"id": r.job.delivery_id, "status": "dead" if dead else "pending", "delivered_at": None,
                        "lease_until": None, "last_status": r.status, "last_error": r.error,
                        "next_attempt_at": now + timedelta(seconds=backoff_s(r.job.attempts))})
    for group in ([c for c in changes if "next_attempt_at" in c], [c for c in changes if "next_attempt_at" not in c]):
        if group:
            db.execute(update(Delivery), group)
    db.execute(insert(Attempt), [{"delivery_id": r.job.delivery_id, "organisation": r.job.organisation, "at": now,
                                  "status_code": r.status, "error": r.error, "duration_ms": r.duration_ms}
                                 for r in results])


class Deliverer:
    """Sends claimed deliveries concurrently over pooled keep-alive connections.

    urllib3 rather than httpx here: on the delivery path its lower cost per request roughly
    doubles throughput on a small machine (see benchmarks/controls.py).
    """

    def __init__(self, resolve: outbound.Resolver = outbound.system_resolve, ca_certs: str | None = None) -> None:
        settings = webhook_settings()
        self.concurrency = settings.concurrency
        self.threads = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="webhook")
        self.pool = Pools(concurrency=settings.concurrency, resolve=resolve, ca_certs=ca_certs,
                          timeout=urllib3.Timeout(connect=min(5.0, settings.timeout_s), read=settings.timeout_s))

    def send_all(self, jobs: list[Job]) -> list[Result]:
        """Send every job; the results in the same order."""
        return list(self.threads.map(lambda job: send(self.pool, job), jobs))

    def submit(self, job: Job) -> Future[Result]:
        """Start sending one job; its result when done."""
        return self.threads.submit(send, self.pool, job)

    def close(self) -> None:
        """Release the connections and threads."""
        self.threads.shutdown(wait=True)
        self.pool.clear()
