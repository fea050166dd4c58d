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
from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from clearway.audit.service import audit_append
from clearway.auth.models import ORG_KINDS, ROLES, Organisation, User
from clearway.auth.schemas import Principal
from clearway.auth.tokens import token_issue, token_read
from clearway.config import get_settings
from clearway.errors import Conflict, NotFound, Problem, Unauthenticated, ValidationFailed


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
    claims: dict[str, Any] = {"u": user.id, "v": user.token_version, "k": kind}
    if kind == "s":  # a browser session also carries the session version that signing out raises
        claims["sv"] = user.session_version or 1
    return token_issue(secret=secret, claims=claims, ttl_s=ttl_s)


class _PrincipalCache:
    """Users seen recently, so a token costs one query per user every few seconds, not per call."""

    def __init__(self, ttl_s: float | None = None):
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._items: dict[int, tuple[float, int, int, Principal | None]] = {}

    @property
    def ttl_s(self) -> float:
        """How long a user's facts are trusted without a query (CLEARWAY_PRINCIPAL_CACHE_S; 0: never)."""
        return get_settings().principal_cache_s if self._ttl_s is None else self._ttl_s

    def get(self, user_id: int) -> tuple[int, int, Principal | None] | None:
        with self._lock:
            hit = self._items.get(user_id)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1], hit[2], hit[3]

    def put(self, user_id: int, version: int, session_version: int, principal: Principal | None) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[user_id] = (time.monotonic() + self.ttl_s, version, session_version, principal)

    def forget(self, user_id: int) -> None:
        """Drop one user, so this process sees a change to it (sign-out, disabling) on the next request."""
        with self._lock:
            self._items.pop(user_id, None)

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


def principal_from_claims(*, claims: dict[str, Any], sessions: Callable[[], Session],
                          fresh: bool = False) -> Principal:
    """The principal behind verified token claims (see token_claims), or Unauthenticated; queries on a cache miss.

    With fresh (every state-changing request) the user is read anew: another process that disabled it
    cannot clear this one's cache, and a disabled user must change nothing from that moment.
    """
    cached = None if fresh else principal_cache.get(claims["u"])
    if cached is None:
        with sessions() as db:
            user = db.get(User, claims["u"])
            principal = principal_of(user) if user is not None and user.active else None
            cached = (user.token_version if user else 0, (user.session_version or 1) if user else 0, principal)
        principal_cache.put(claims["u"], *cached)
    version, session_version, principal = cached
    if principal is None or version != claims.get("v"):
        raise Unauthenticated("invalid or expired token")
    if claims.get("k") == "s" and claims.get("sv") != session_version:
        raise Unauthenticated("the session was signed out")
    return principal


# The facts a write re-reads in its own transaction (see principal_recheck): one indexed row, Core, compiled once.
_RECHECK = (select(User.active, User.token_version, User.session_version, User.role, User.office,
                   User.organisation_id, Organisation.code)
            .join(Organisation, Organisation.id == User.organisation_id).where(User.id == bindparam("u")))


def principal_recheck(*, conn: Connection, claims: dict[str, Any], principal: Principal) -> None:
    """Re-read the user behind a cached principal inside a write's transaction; Unauthenticated unless it is still
    active, its token still valid and its authorization facts those the request was let through with.

    Another process that disabled the user cannot clear this one's cache: the write must see the row as
    it is when the write begins, so a disabled user changes nothing from that moment.
    """
    row = conn.execute(_RECHECK, {"u": claims["u"]}).first()
    if row is None or not row.active or row.token_version != claims.get("v"):
        principal_cache.forget(claims["u"])
        raise Unauthenticated("invalid or expired token")
    if claims.get("k") == "s" and claims.get("sv") != (row.session_version or 1):
        principal_cache.forget(claims["u"])
        raise Unauthenticated("the session was signed out")
    if (row.role, row.office, row.organisation_id, row.code) != (
            principal.role, principal.office, principal.organisation_id, principal.organisation_code):
        # Authorization facts changed since the cache was filled: the role check already passed on old ones.
        principal_cache.forget(claims["u"])
        raise Unauthenticated("invalid or expired token")


def session_end(*, db: Session, user_id: int) -> None:
    """Sign a user's browser sessions out: every session cookie issued before now stops working."""
    # One statement (no row lock on the joined organisation, which PostgreSQL refuses on an outer join).
    db.execute(update(User).where(User.id == user_id)
               .values(session_version=func.coalesce(User.session_version, 1) + 1))
    principal_cache.forget(user_id)


def user_set_active(*, db: Session, username: str, active: bool, actor: str, actor_org: str,
                    now: datetime) -> User:
    """Disable (or enable again) a user; disabling ends its tokens and sessions at once. Audited."""
    user = db.scalar(select(User).where(User.username == username).with_for_update(of=User))
    if user is None:
        raise NotFound([Problem("user.not_found", "/username", {"username": username[:64]})])
    if user.active != active:
        user.active = active
        if not active:  # tokens issued before stay dead even if the user is enabled again later
            user.token_version += 1
            user.session_version = (user.session_version or 1) + 1
        db.flush()
        audit_append(db=db, actor=actor, actor_org=actor_org, action="user.enabled" if active else "user.disabled",
                     target_type="user", target_id=username, detail={}, at=now)
    principal_cache.forget(user.id)
    return user


PASSWORD_MIN = 12


def password_change(*, db: Session, user_id: int, current: str, new: str, now: datetime) -> User:
    """Replace a user's password after checking the current one; every token and other session ends. Audited."""
    user = db.scalar(select(User).where(User.id == user_id).with_for_update(of=User))
    if user is None or not user.active:
        raise Unauthenticated("wrong username or password")
    try:
        _ph().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed([Problem("user.password_wrong", "/current", {})]) from None
    if len(new) < PASSWORD_MIN:
        raise ValidationFailed([Problem("user.password_too_short", "/password", {"min": PASSWORD_MIN})])
    if new == current or password_guessable(new, user.username):
        raise ValidationFailed([Problem("user.password_common", "/password", {})])
    user.password_hash = _ph().hash(new)
    # Whoever knew the old password may hold a token or a session: they stop working now.
    user.token_version += 1
    user.session_version = (user.session_version or 1) + 1
    db.flush()
    audit_append(db=db, actor=user.username, actor_org=user.organisation.code, action="user.password_changed",
                 target_type="user", target_id=user.username, detail={}, at=now)
    principal_cache.forget(user.id)
    return user


def users_list(*, db: Session) -> list[User]:
    """Every user, by username."""
    return list(db.scalars(select(User).order_by(User.username)))
