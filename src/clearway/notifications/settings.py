"""Delivery and relay settings (CLEARWAY_WEBHOOK_*), and which endpoint URLs a subscriber may give."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearway import outbound
from clearway.config import get_settings


class WebhookSettings(BaseSettings):
    """Retries back off exponentially from `retry_base_s` up to `retry_cap_s`; after `max_attempts` a
    delivery is dead-lettered. A claimed delivery whose worker died is retried after `lease_s`."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_WEBHOOK_", env_file=".env", extra="ignore")

    retry_base_s: float = Field(default=5.0, gt=0, le=3600)
    retry_cap_s: float = Field(default=3600.0, gt=0, le=86_400)
    max_attempts: int = Field(default=12, ge=1, le=100)
    timeout_s: float = Field(default=10.0, gt=0, le=60)
    lease_s: float = Field(default=60.0, gt=0, le=3600)
    concurrency: int = Field(default=32, ge=1, le=256)
    batch: int = Field(default=256, ge=1, le=5000)
    relay_gap_wait_s: float = Field(default=5.0, ge=0, le=600)
    poll_s: float = Field(default=0.25, gt=0, le=60)


@lru_cache
def webhook_settings() -> WebhookSettings:
    """The process-wide webhook settings."""
    return WebhookSettings()


def backoff_s(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: base × 2^(n-1), capped."""
    settings = webhook_settings()
    return float(min(settings.retry_base_s * 2 ** max(attempts - 1, 0), settings.retry_cap_s))


def endpoint_url_checked(url: str) -> str:
    """The URL if a webhook may be sent there now (see `clearway.outbound`), else a 422 problem."""
    loopback = get_settings().outbound_loopback
    return outbound.url_checked(url, allow_http=loopback, allow_loopback=loopback)


class StreamSettings(BaseSettings):
    """The event stream to NATS JetStream (CLEARWAY_STREAM_*); off unless `url` is set (e.g. nats://127.0.0.1:4222).

    `duplicate_window_s` must outlast any republication: the relay's gap memory (an hour) and a relay
    down for a while; messages republished inside it are stored once.
    """

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_STREAM_", env_file=".env", extra="ignore")

    url: str = ""
    name: str = Field(default="CLEARWAY", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    duplicate_window_s: float = Field(default=7200.0, ge=60, le=86_400)
    batch: int = Field(default=5000, ge=1, le=50_000)
    poll_s: float = Field(default=0.25, gt=0, le=60)


@lru_cache
def stream_settings() -> StreamSettings:
    """The process-wide event-stream settings."""
    return StreamSettings()
