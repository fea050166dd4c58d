"""Typed settings read from CLEARWAY_* environment variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The secret that ships with the source: accepted in demo mode only, refused anywhere else.
DEFAULT_SECRET = "change-me-clearway-default-secret"


class Settings(BaseSettings):
    """Everything a deployment can set. The default secret is accepted in demo mode only."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_", env_file=".env", extra="ignore")

    environment: Literal["demo", "test", "production"] = "production"
    database_url: str = "sqlite:///./clearway.db"
    # A streaming read replica for reports, dashboards and the public portal (read-only, may lag a little);
    # empty: they read the main database.
    reports_database_url: str = ""
    secret_key: str = DEFAULT_SECRET
    country: str = Field(default="KR", min_length=2, max_length=2)
    national_currency: str = Field(default="KRW", min_length=3, max_length=3)
    token_ttl_minutes: int = Field(default=60 * 8, ge=5, le=60 * 24 * 30)
    max_body_bytes: int = Field(default=2_000_000, ge=10_000)
    db_pool_size: int = Field(default=20, ge=1, le=200)
    # SQLite: how long a request waits for the write lock before it answers 503 (Retry-After).
    db_busy_timeout_ms: int = Field(default=10_000, ge=50, le=120_000)
    # The longest one SQL statement may run (PostgreSQL statement_timeout; SQLite aborts it through its progress
    # handler) before the request answers 503 `server.statement_timeout`: one slow query cannot hold a connection,
    # and with it the service, for long. 0 turns it off (e.g. for a worker running long batch statements).
    db_statement_timeout_ms: int = Field(default=30_000, ge=0, le=3_600_000)
    worker_threads: int = Field(default=40, ge=1, le=400, description="Threads for blocking work per process")
    audit_seal_interval_s: float = Field(default=2.0, ge=0)
    # Sealing is a background job (`clearway worker`); the demo, which runs no worker, seals in the server.
    jobs_in_server: bool = False  # run the worker's jobs inside the web server (the demo does)
    # Unset: Secure cookies, HSTS, closed /metrics and API docs in production; open elsewhere (plain-http dev).
    cookie_secure: bool | None = None
    hsts_max_age_s: int = Field(default=31_536_000, ge=0, le=63_072_000)
    metrics_public: bool | None = None
    api_docs_public: bool | None = None
    # Outbound requests (webhooks, agencies, partners) to loopback and over plain http: the test suite's
    # local receivers only, unless set.
    outbound_allow_loopback: bool | None = None
    # Sign-in throttling: after `login_free_failures` wrong passwords for one account (or 4× that from one
    # client address) within `login_window_s`, each further attempt waits twice as long, up to the cap.
    # Bulk files: an XLSX may expand to this many bytes of XML, and a file may have this many rows.
    bulk_max_expanded_bytes: int = Field(default=32_000_000, ge=100_000)
    bulk_max_rows: int = Field(default=100_000, ge=10)
    # How long a process trusts what it read about a user (active, token versions). Disabling and signing out
    # act at once in the process that does them; other processes notice within this time (0: query every time).
    principal_cache_s: float = Field(default=10.0, ge=0, le=300)
    login_free_failures: int = Field(default=5, ge=1, le=1000)
    login_window_s: int = Field(default=900, ge=10, le=86_400)
    login_backoff_base_s: float = Field(default=2.0, gt=0, le=3600)
    login_backoff_cap_s: float = Field(default=900.0, gt=0, le=86_400)
    # Argon2id memory cost; the default is the argon2-cffi (RFC 9106 low-memory) profile.
    # An import declaration without a duty assessment (no national schedule loaded) is held: release
    # waits until the duties are known. Only an administration that assesses duties in another system
    # turns this off.
    duty_assessment_required: bool = True
    password_memory_kib: int = Field(default=65536, ge=1024, le=1_048_576)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment != "demo" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "CLEARWAY_SECRET_KEY still has its default value: set a secret before running "
                f"in {self.environment!r} mode"
            )
        if self.secret_key == DEFAULT_SECRET:
            # The shipped secret is public: anyone could forge an admin token for a demo signed with it.
            self.secret_key = demo_secret(self.database_url)
        if len(self.secret_key) < 16:
            raise ValueError("CLEARWAY_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def allows_demo_accounts(self) -> bool:
        """Demo accounts (password 'demo') may sign in only in demo mode and in the test suite."""
        return self.environment in ("demo", "test")

    @property
    def production(self) -> bool:
        """True in production mode, where every hardening default applies."""
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry Secure (and HSTS is sent): on in production unless turned off."""
        return self.production if self.cookie_secure is None else self.cookie_secure

    @property
    def metrics_open(self) -> bool:
        """Whether /metrics answers without authentication: closed in production unless turned on."""
        return not self.production if self.metrics_public is None else self.metrics_public

    @property
    def docs_open(self) -> bool:
        """Whether the OpenAPI document and docs page are served: closed in production unless turned on."""
        return not self.production if self.api_docs_public is None else self.api_docs_public

    @property
    def outbound_loopback(self) -> bool:
        """Whether outbound requests may go to loopback over plain http (the test suite's receivers)."""
        return self.environment == "test" if self.outbound_allow_loopback is None else self.outbound_allow_loopback

    @property
    def is_demo(self) -> bool:
        """True when demo users and seeded data may exist."""
        return self.environment == "demo"


def demo_secret(database_url: str) -> str:
    """A random signing secret of one demo database, kept in a private file beside a SQLite database.

    Other databases get one per process (sessions then end when the demo restarts).
    """
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or database_url.endswith(":memory:"):
        return _process_secret()
    path = Path(database_url.removeprefix(prefix).split("?", 1)[0] + ".secret")
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        pass
    secret = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the same demo wrote it first
        return path.read_text("ascii").strip()
    except OSError:
        return _process_secret()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret)
    return secret


@lru_cache
def _process_secret() -> str:
    return secrets.token_urlsafe(32)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
