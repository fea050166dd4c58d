"""Settings of the performance domain, read from CLEARWAY_PERFORMANCE_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PerformanceSettings(BaseSettings):
    """Publication thresholds and the metrics endpoint's cache and optional token."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_PERFORMANCE_", env_file=".env", extra="ignore")

    # Open data: a cell is withheld below this many declarations...
    suppression_threshold: int = Field(default=5, ge=1, le=1000)
    # ...or when one declarant lodged more than this share of its declarations.
    dominance_share: float = Field(default=0.5, gt=0, le=1)
    # Database-derived gauges are read at most this often per process (scrapes in between reuse them).
    metrics_cache_s: float = Field(default=15.0, ge=0, le=3600)
    # When set, /metrics wants "Authorization: Bearer <token>"; otherwise restrict it at the proxy.
    metrics_token: str | None = Field(default=None, min_length=16)
    # Reports over more timelines than this read monthly rollups: exact counts and means, percentiles
    # within 0.5 % (histograms.ALPHA); smaller selections sort their values for exact percentiles.
    exact_limit: int = Field(default=50_000, ge=0)
    # Public pages are cached this long per process: they aggregate a year of timelines.
    public_cache_s: float = Field(default=300.0, ge=0, le=86400)


@lru_cache
def performance_settings() -> PerformanceSettings:
    """The process-wide performance settings, read once."""
    return PerformanceSettings()
