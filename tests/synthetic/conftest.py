"""A small world shared by the synthetic tests: two months, so the suite stays fast."""

from __future__ import annotations

from datetime import date

import pytest

from clearway.synthetic import World, generate_world

END = date(2026, 11, 30)
DAYS = 60


@pytest.fixture(scope="session")
def world() -> World:
    """Two months of history at the default daily volume and seed."""
    return generate_world(seed=7, days=DAYS, end=END)
