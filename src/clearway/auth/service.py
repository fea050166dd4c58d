"""Accounts: organisations, users, passwords and tokens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from clearway.auth.models import ORG_KINDS, ROLES, Organisation, User
from clearway.auth.schemas import Principal
from clearway.auth.tokens import token_issue, token_read
from clearway.config import get_settings
from clearway.errors import Conflict, Problem, Unauthenticated, ValidationFailed


@lru_cache
def _hasher(memory_kib: int) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_kib)


@lru_cache
def _dummy_hash(memory_kib: int) -> str:
    # Verified against when the user does not exist, so timing does not reveal usernames.
    return _hasher(memory_kib).hash("clearway-timing-equaliser")


def _ph() -> PasswordHasher:
    return _hasher(get_settings().password_memory_kib)


def organisation_create(
    *, db: Session, code: str, name: str, kind: str, country: str, aeo: bool = False, now: datetime
) -> Organisation:
    """Register an organisation (trader, customs administration or partner agency)."""
    if kind not in ORG_KINDS:
        raise ValidationFailed([Problem("organisation.kind_unknown", "/kind", {"value": kind})])
    if db.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        raise Conflict([Problem("organisation.code_taken", "/code", {"value": code})])
    org = Organisation(code=code, name=name, kind=kind, country=country, aeo=aeo, created_at=now)
    db.add(org)
    db.flush()
    return org


@lru_cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_guessable(password: str, username: str = "") -> bool:
    """True for a password on the common-password list, or one zxcvbn rates guessable (score below 3)."""
    if password.lower() in _common_passwords():
        return True
    return int(zxcvbn(password[:100], user_inputs=[username] if username else [])["score"]) < 3


def user_create(
    *, db: Session, username: str, password: str, role: str, organisation: Organisation,
    office: str | None = None, locale: str = "en", demo: bool = False, now: datetime,
) -> User:
    """Create a user with an Argon2-hashed password."""
    problems = []
    if role not in ROLES:
        problems.append(Problem("user.role_unknown", "/role", {"value": role}))
    if len(password) < 4 or (not demo and len(password) < 12):
        problems.append(Problem("user.password_too_short", "/password", {"min": 4 if demo else 12}))
    elif not demo and password_guessable(password, username):
        problems.append(Problem("user.password_common", "/password", {}))
    if problems:
        raise ValidationFailed(problems)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict([Problem("user.username_taken", "/username", {"value": username})])
    user = User(
        username=username, password_hash=_ph().hash(password), role=role,
        organisation_id=organisation.id, office=office, locale=locale, demo=demo, created_at=now,
    )
    db.add(user)
    db.flush()
    return user


def user_authenticate(*, db: Session, username: str, password: str) -> User:
    """The active user with these credentials, or Unauthenticated."""
    user = db.scalar(select(User).where(User.username == username))
    try:
        _ph().verify(user.password_hash if user else _dummy_hash(get_settings().password_memory_kib), password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("wrong username or password") from None
    if user is None or not user.active:
        raise Unauthenticated("wrong username or password")
    if user.demo and not get_settings().allows_demo_accounts:
        # Demo accounts share the password "demo": they must never open a real deployment.
        raise Unauthenticated("demo accounts are disabled outside demo mode")
    return user


def principal_of(user: User) -> Principal:
    """The authorization facts of a user."""
    return Principal(
        user_id=user.id, username=user.username, role=user.role,
        organisation_id=user.organisation_id, organisation_code=user.organisation.code,
        office=user.office, locale=user.locale,
    )


def token_for(*, user: User, secret: str, ttl_s: int, kind: str) -> str:
    """A signed token for a user: kind 'b' for bearer clients, 's' for browser sessions."""
    return token_issue(secret=secret, claims={"u": user.id, "v": user.token_version, "k": kind}, ttl_s=ttl_s)


class _PrincipalCache:
    """Users seen recently, so a token costs one query per user every few seconds, not per call."""

    def __init__(self, ttl_s: float = 10.0):
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._items: dict[int, tuple[float, int, Principal | None]] = {}

    def get(self, user_id: int) -> tuple[int, Principal | None] | None:
        with self._lock:
            hit = self._items.get(user_id)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1], hit[2]

    def put(self, user_id: int, version: int, principal: Principal | None) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[user_id] = (time.monotonic() + self.ttl_s, version, principal)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


principal_cache = _PrincipalCache()


def token_claims(*, token: str, secret: str, kind: str) -> dict[str, Any]:
    """The claims of a valid, unexpired token of the given kind, or Unauthenticated (one HMAC)."""
    claims = token_read(secret=secret, token=token)
    if claims is None or claims.get("k") != kind or not isinstance(claims.get("u"), int):
        raise Unauthenticated("invalid or expired token")
    return claims


def principal_from_claims(*, claims: dict[str, Any], sessions: Callable[[], Session]) -> Principal:
    """The principal behind verified token claims (see token_claims), or Unauthenticated; queries on a cache miss."""
    cached = principal_cache.get(claims["u"])
    if cached is None:
        with sessions() as db:
            user = db.get(User, claims["u"])
            principal = principal_of(user) if user is not None and user.active else None
            cached = (user.token_version if user else 0, principal)
        principal_cache.put(claims["u"], *cached)
    version, principal = cached
    if principal is None or version != claims.get("v"):
        raise Unauthenticated("invalid or expired token")
    return principal
