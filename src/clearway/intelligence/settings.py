"""Settings of intelligence sharing, read from CLEARWAY_INTELLIGENCE_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntelligenceSettings(BaseSettings):
    """The feedback period agreed between the agencies."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_INTELLIGENCE_", env_file=".env", extra="ignore")

    # Days from receipt (for a recipient) or from creation (for the originator) after which an alert with no
    # outcome raises an overdue feedback task. Half a year at most: an alert is valid for a year at most, so a
    # longer period (a typo, say) would let most alerts end before anyone is asked for their outcome.
    feedback_days: int = Field(default=14, ge=1, le=180)


@lru_cache
def intelligence_settings() -> IntelligenceSettings:
    """The process-wide intelligence settings, read once."""
    return IntelligenceSettings()
