"""The audit domain's background job: seal the trail every few seconds."""

from __future__ import annotations

from typing import Any

from clearway.audit.sealing import seal_all
from clearway.config import get_settings
from clearway.jobs import Job


def seal(ctx: Any) -> int:
    """Chain every committed, unsealed audit record; how many."""
    return seal_all(ctx.sessions)


def jobs() -> list[Job]:
    """This domain's jobs at the configured interval."""
    return [Job("seal", get_settings().audit_seal_interval_s or 2.0, seal)]
