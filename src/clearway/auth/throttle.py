"""Sign-in throttling: per account and per client address, with exponential back-off, shared by every process.

Failures are counted in the database (not in memory) so that several API processes behind a proxy
throttle together. While a key is blocked, attempts are refused before the password is checked, so
a blocked guesser learns nothing and costs no Argon2 hash. A success clears the account's count.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.auth.models import LoginThrottle
from clearway.config import get_settings
from clearway.errors import Problem, TooManyRequests


def login_keys(*, username: str, client: str | None) -> list[tuple[str, int]]:
    """The throttle keys of a sign-in attempt and how many failures each may have before back-off starts."""
    free = get_settings().login_free_failures
    keys = [(f"user:{username.strip().lower()[:64]}", free)]
    if client:
        # A client address gets more room (a shared office NAT), but a spray across accounts still stops.
        keys.append((f"ip:{_client_key(client)}", free * 4))
    return keys


def _client_key(client: str) -> str:
    # One IPv6 subscriber holds a whole /64: counting single addresses would give a guesser 2**64 fresh counts.
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client seen through a dual-stack socket
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def login_wait_s(*, db: Session, keys: list[tuple[str, int]], now: datetime) -> int:
    """Seconds until an attempt with these keys may be made (0 when it may be made now)."""
    wait = 0.0
    for key, _free in keys:
        row = db.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = max(wait, (row.blocked_until - now).total_seconds())
    return math.ceil(wait)


def login_allowed(*, db: Session, keys: list[tuple[str, int]], now: datetime) -> None:
    """Raise TooManyRequests (429 with Retry-After) while any key is backing off."""
    wait = login_wait_s(db=db, keys=keys, now=now)
    if wait > 0:
        error = TooManyRequests([Problem("auth.throttled", "", {"retry_after": wait})],
                                "too many failed sign-in attempts")
        error.headers = {"Retry-After": str(wait)}
        raise error


def login_failed(*, db: Session, keys: list[tuple[str, int]], now: datetime) -> None:
    """Count a failed attempt on every key; past its free failures a key backs off, doubling each time."""
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_s)
    for key, free in keys:
        row = db.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            try:
                with db.begin_nested():
                    db.add(LoginThrottle(key=key, failures=0, window_start=now, blocked_until=None))
            except IntegrityError:  # another process counted the first failure of this key at the same moment
                pass
            row = db.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
            assert row is not None
        if row.window_start + window < now and (row.blocked_until is None or row.blocked_until < now):
            row.failures, row.window_start = 0, now  # a quiet window: start counting again
        row.failures += 1
        if row.failures > free:
            doubling = 2 ** min(row.failures - free - 1, 30)
            delay = min(settings.login_backoff_cap_s, settings.login_backoff_base_s * doubling)
            row.blocked_until = now + timedelta(seconds=delay)
    db.flush()


def login_succeeded(*, db: Session, username: str, now: datetime) -> None:
    """Forget the failures of an account that signed in (its client address keeps its count)."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == f"user:{username.strip().lower()[:64]}"))
