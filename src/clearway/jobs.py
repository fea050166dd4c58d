"""The shape of a background job: each domain's `jobs.py` lists its jobs, the worker runs them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    """A bounded pass run every `every_s` seconds; `run` returns how much it did (for the log)."""

    name: str
    every_s: float
    run: Callable[[Any], int]  # takes the worker's JobContext (clearway.worker)
