"""Fixtures of the exchange tests: quick retries, and two instances' databases side by side."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clearway.exchange.settings import exchange_settings
from tests.exchange.kit import Instance, instance, introduce


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Retries, re-checks and gap pulls without waiting (time is not what these tests are about)."""
    for name, value in (("RETRY_BASE_S", "0.0001"), ("RECHECK_S", "0.0001"), ("GAP_WAIT_S", "0")):
        monkeypatch.setenv(f"CLEARWAY_EXCHANGE_{name}", value)
    exchange_settings.cache_clear()
    yield
    exchange_settings.cache_clear()


@pytest.fixture
def pair(tmp_path, quick) -> tuple[Instance, Instance]:  # type: ignore[no-untyped-def]
    """Japan (JP, the exporting side) and Korea (KR, the importing side), partners of each other."""
    a, b = instance(tmp_path / "jp.db", "JP"), instance(tmp_path / "kr.db", "KR")
    introduce(a, b)
    return a, b
