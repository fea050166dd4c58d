"""Typed settings read from CLEARWAY_* environment variables."""

from __future__ import annotations

from functools import lru_cache
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
    secret_key: str = DEFAULT_SECRET
    country: str = Field(default="KR", min_length=2, max_length=2)
    national_currency: str = Field(default="KRW", min_length=3, max_length=3)
    token_ttl_minutes: int = Field(default=60 * 8, ge=5, le=60 * 24 * 30)
    max_body_bytes: int = Field(default=2_000_000, ge=10_000)
    db_pool_size: int = Field(default=20, ge=1, le=200)
    worker_threads: int = Field(default=40, ge=1, le=400, description="Threads for blocking work per process")
    audit_seal_interval_s: float = Field(default=2.0, ge=0)
    # Sealing is a background job (`clearway worker`); the demo, which runs no worker, seals in the server.
    jobs_in_server: bool = False  # run the worker's jobs inside the web server (the demo does)
    cookie_secure: bool = False
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
        if len(self.secret_key) < 16:
            raise ValueError("CLEARWAY_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def allows_demo_accounts(self) -> bool:
        """Demo accounts (password 'demo') may sign in only in demo mode and in the test suite."""
        return self.environment in ("demo", "test")

    @property
    def is_demo(self) -> bool:
        """True when demo users and seeded data may exist."""
        return self.environment == "demo"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
