"""Fixtures of the exchange tests: quick retries, and two instances' databases side by side."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from clearway.db import Base, make_engine
from clearway.exchange.settings import exchange_settings
from clearway.models import load_all
from tests.conftest import BACKENDS, PG_URL, _drop_database, _private_database
from tests.exchange.kit import Instance, instance, introduce


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Retries, re-checks and gap pulls without waiting (time is not what these tests are about)."""
    for name, value in (("RETRY_BASE_S", "0.0001"), ("RECHECK_S", "0.0001"), ("GAP_WAIT_S", "0")):
        monkeypatch.setenv(f"CLEARWAY_EXCHANGE_{name}", value)
    exchange_settings.cache_clear()
    yield
    exchange_settings.cache_clear()


@pytest.fixture(params=BACKENDS)
def pair(request, tmp_path, quick) -> Iterator[tuple[Instance, Instance]]:  # type: ignore[no-untyped-def]
    """Japan (JP, the exporting side) and Korea (KR, the importing side), partners of each other, each with its
    own database on the backend."""
    if request.param == "sqlite":
        a, b = instance(tmp_path / "jp.db", "JP"), instance(tmp_path / "kr.db", "KR")
        introduce(a, b)
        yield a, b
        return
    if not PG_URL:
        pytest.fail("CLEARWAY_REQUIRE_PG is set but CLEARWAY_TEST_PG_URL is not")
    urls = [_private_database(PG_URL), _private_database(PG_URL)]
    a, b = instance(urls[0], "JP"), instance(urls[1], "KR")
    introduce(a, b)
    yield a, b
    for side, url in zip((a, b), urls, strict=True):
        side.sessions.kw["bind"].dispose()
        _drop_database(PG_URL, url)


@pytest.fixture(params=BACKENDS)
def pair_factory(request, tmp_path, quick):  # type: ignore[no-untyped-def]
    """Makes a fresh JP-KR pair per call (property tests): SQLite files, or two PostgreSQL databases emptied."""
    made: list[Instance] = []
    urls: list[str] = []
    if request.param == "postgresql":
        if not PG_URL:
            pytest.fail("CLEARWAY_REQUIRE_PG is set but CLEARWAY_TEST_PG_URL is not")
        urls = [_private_database(PG_URL), _private_database(PG_URL)]
    counter = iter(range(10**6))

    def make() -> tuple[Instance, Instance]:
        n = next(counter)
        if urls:
            for url in urls:
                _empty(url)
            a, b = instance(urls[0], "JP"), instance(urls[1], "KR")
        else:
            a, b = instance(tmp_path / f"jp{n}.db", "JP"), instance(tmp_path / f"kr{n}.db", "KR")
        made.extend((a, b))
        introduce(a, b)
        return a, b

    yield make
    for side in made:
        side.sessions.kw["bind"].dispose()
    for url in urls:
        _drop_database(PG_URL, url)


def _empty(url: str) -> None:
    """Every table of a PostgreSQL test database emptied (created first if missing)."""
    engine = make_engine(url, 1)
    load_all()
    Base.metadata.create_all(engine)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
