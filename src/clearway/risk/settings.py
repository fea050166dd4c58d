"""Settings of the risk engine, read from CLEARWAY_RISK_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A fallback channel always checks the goods: degraded mode fails closed, never to green or blue.
Fallback = Literal["yellow", "red"]


class RiskSettings(BaseSettings):
    """Degraded mode: the fallback channel (per office), the time budget of one decision, the retry interval."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_RISK_", env_file=".env", extra="ignore")

    # The channel a lodgement gets when the risk engine cannot decide (documentary check by default)...
    degraded_channel: Fallback = "yellow"
    # ...or, for an office listed here, its own (JSON, e.g. {"KR0101": "red"}).
    degraded_offices: dict[str, Fallback] = Field(default_factory=dict)
    # One decision may take this long; a slower one is abandoned and the lodgement takes the fallback.
    budget_ms: int = Field(default=2000, ge=10, le=60_000)
    # A snapshot whose promoted model did not load is rebuilt this often, so the engine recovers by itself.
    retry_s: float = Field(default=10.0, ge=0, le=3600)

    def fallback(self, office: str) -> Fallback:
        """The fallback channel of an office."""
        return self.degraded_offices.get(office, self.degraded_channel)


@lru_cache
def risk_settings() -> RiskSettings:
    """The process-wide risk settings, read once."""
    return RiskSettings()
