"""Delivery and relay settings (CLEARWAY_WEBHOOK_*), and which endpoint URLs a subscriber may give."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearway.config import get_settings
from clearway.errors import Problem, ValidationFailed


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
    """The URL if a webhook may be sent there: https (http only to loopback outside production), no private hosts."""
    problem = Problem("webhook.url_refused", "/url", {"value": url[:100]})
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- urlsplit checks ports and brackets lazily; a bad one raises here
    except ValueError:  # e.g. "http://[::1" — not a URL at all
        raise ValidationFailed([problem]) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValidationFailed([problem])
    host = parts.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    if get_settings().environment == "production":
        # No plain text, and no requests aimed at the platform's own network (SSRF).
        if parts.scheme != "https" or loopback or (address is not None and (address.is_private or
                                                                            address.is_link_local)):
            raise ValidationFailed([problem])
    elif parts.scheme == "http" and not loopback:
        raise ValidationFailed([problem])
    return url
