"""Fixtures for bulk import: the import table and trader A as the importing principal."""

from __future__ import annotations

import pytest


@pytest.fixture
def bulk_table(db_url: str) -> None:
    """The bulk_imports table (created by the migrations)."""


@pytest.fixture
def trader_a(world, bulk_table):  # type: ignore[no-untyped-def]
    """Trader A (organisation KR1000000001) as the principal that imports."""
    from tests.bulk.files import principal

    return principal("trader-a")

