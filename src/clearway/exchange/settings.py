"""Exchange settings (CLEARWAY_EXCHANGE_*): who we are, the replay window, retries and batch sizes."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearway.config import get_settings


class ExchangeSettings(BaseSettings):
    """The replay window bounds how old an envelope may be: receivers keep their de-duplication records at
    least that long, so anything older than it cannot be told from a replay and is refused."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_EXCHANGE_", env_file=".env", extra="ignore")

    party: str = Field(default="", max_length=8, description="Our administration's code; the country if empty")
    replay_window_s: float = Field(default=7 * 86_400.0, gt=0)
    clock_skew_s: float = Field(default=300.0, ge=0, le=3600)
    expiry_s: float = Field(default=3 * 86_400.0, gt=0)
    retry_base_s: float = Field(default=1.0, gt=0, le=3600)
    retry_cap_s: float = Field(default=120.0, gt=0, le=86_400)
    recheck_s: float = Field(default=2.0, gt=0, le=3600, description="Re-ask a partner holding a message")
    gap_wait_s: float = Field(default=2.0, ge=0, le=3600, description="Pull when a stream has waited this long")
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    batch: int = Field(default=200, ge=1, le=1000)
    key_overlap_s: float = Field(default=86_400.0, ge=0, description="How long a rotated-out key stays valid")
    poll_s: float = Field(default=0.5, gt=0, le=60)
    mirror_value_tolerance: float = Field(default=0.05, ge=0, le=10, description="Relative value gap tolerated "
                                          "between a partner's export and our import")
    mirror_quantity_tolerance: float = Field(default=0.02, ge=0, le=10, description="Relative quantity gap "
                                             "tolerated per item")
    prearrival_office: str = Field(default="", max_length=8, description="The office whose rules and selection "
                                   "settings score partners' exports on arrival (empty: rules of no office scope)")

    @property
    def party_code(self) -> str:
        """Our administration's code in envelopes."""
        return self.party or get_settings().country


@lru_cache
def exchange_settings() -> ExchangeSettings:
    """The process-wide exchange settings."""
    return ExchangeSettings()


def backoff_s(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: base × 2^(n-1), capped."""
    settings = exchange_settings()
    return float(min(settings.retry_base_s * 2 ** max(attempts - 1, 0), settings.retry_cap_s))
