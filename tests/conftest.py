"""Shared fixtures: the same tests run on SQLite and on PostgreSQL through the `backend` parameter."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("CLEARWAY_AUDIT_SEAL_INTERVAL_S", "0")
os.environ.setdefault("CLEARWAY_PASSWORD_MEMORY_KIB", "1024")
# Most tests lodge without a national tariff schedule: their imports owe nothing known. The tests of duties
# load a schedule, and tests/clearance checks that, by default, an unassessed import is held.
os.environ.setdefault("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "false")
# Model bundles the tests train (the demo seed retrains one) go to a scratch folder, never into the checkout.
os.environ.setdefault("CLEARWAY_RISK_MODELS_DIR", tempfile.mkdtemp(prefix="clearway-test-models-"))

PG_URL = os.environ.get("CLEARWAY_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"]


def _reset_caches() -> None:
    from clearway.auth.service import principal_cache
    from clearway.config import get_settings
    from clearway.db import get_engine, get_reports_sessionmaker, get_sessionmaker

    for cached in (get_settings, get_engine, get_sessionmaker, get_reports_sessionmaker):
        cached.cache_clear()
    principal_cache.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL or os.environ.get("CLEARWAY_REQUIRE_PG"):
        return
    skip = pytest.mark.skip(reason="CLEARWAY_TEST_PG_URL not set (make test sets it)")
    for item in items:
        if "[postgresql" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database on each backend."""
    from clearway.migrate import upgrade_head

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'clearway.db'}"
    else:
        if not PG_URL:
            pytest.fail("CLEARWAY_REQUIRE_PG is set but CLEARWAY_TEST_PG_URL is not")
        url = _private_database(PG_URL)
        request.addfinalizer(lambda: _drop_database(PG_URL, url))
    upgrade_head(url)
    yield url


def _admin(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    from clearway.db import make_engine

    admin = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1)).set(database="postgres")
    return make_engine(admin.render_as_string(hide_password=False), 1).execution_options(
        isolation_level="AUTOCOMMIT")


def _private_database(url: str) -> str:
    """A fresh database on the server of url, so concurrent test runs never share a schema."""
    from sqlalchemy.engine import make_url

    name = f"clearway_t_{os.getpid()}_{os.urandom(3).hex()}"
    engine = _admin(url)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop_database(server_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    from clearway.db import get_engine

    get_engine.cache_clear()
    engine = _admin(server_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _truncate(url: str) -> None:
    from clearway.db import Base, get_engine
    from clearway.models import load_all

    load_all()
    engine = get_engine()
    present = set(inspect(engine).get_table_names())
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in present]
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_head (id, seq, chain_hash, sealed_at) VALUES (1, 0, :h, :t)"),
                     {"h": "0" * 64, "t": "2000-01-01 00:00:00+00:00"})


@pytest.fixture
def db_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The backend's database, emptied, configured as CLEARWAY_DATABASE_URL for this test."""
    monkeypatch.setenv("CLEARWAY_DATABASE_URL", database_url)
    _reset_caches()
    _truncate(database_url)
    yield database_url
    from clearway.db import get_engine

    get_engine().dispose()
    _reset_caches()


@pytest.fixture
def db(db_url: str) -> Iterator[object]:
    """A session on the test database; tests own its transactions."""
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as session:
        yield session


@pytest.fixture
def world(db_url: str):  # type: ignore[no-untyped-def]
    """The demo organisations and users (password 'demo'), without declarations."""
    from tests.factories import make_world

    return make_world()


@pytest.fixture
def client(world):  # type: ignore[no-untyped-def]
    """An in-process HTTP client on a fresh app."""
    from fastapi.testclient import TestClient

    from clearway.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


ROOT = Path(__file__).resolve().parents[1]
