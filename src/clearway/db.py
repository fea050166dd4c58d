"""Engine, sessions and the declarative Base; SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from fastapi import Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from clearway.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table, with a naming convention so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both SQLite (which drops zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets readers work during a write; synchronous=FULL keeps every acknowledged commit.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    return apply


def _sqlite_statement_deadline(engine: Engine, timeout_ms: int) -> None:
    """Abort any SQLite statement that runs longer than timeout_ms ("interrupted"), as statement_timeout does."""
    limit = timeout_ms / 1000

    def connect(dbapi_conn: Any, record: Any) -> None:
        deadline = record.info["clearway_deadline"] = [float("inf")]
        # Called every 10,000 virtual-machine steps (microseconds apart), so the check itself costs nothing.
        dbapi_conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline[0] else 0, 10_000)

    def start(conn: Any, *_args: Any) -> None:
        box = conn.connection.info.get("clearway_deadline")
        if box is not None:
            box[0] = time.monotonic() + limit

    event.listen(engine, "connect", connect)
    event.listen(engine, "before_cursor_execute", start)


# Seconds to wait for a PostgreSQL connection to open (libpq's connect_timeout), and for a free one in the pool.
CONNECT_TIMEOUT_S = 3
POOL_TIMEOUT_S = 5


# Execution option of the engine behind read sessions (see `get_read_sessionmaker`).
DEFERRED = "clearway_deferred_begin"


def _sqlite_begin(conn: Any) -> None:
    # A transaction that writes takes the write lock up front: one that read first and wrote later would
    # fail at once, without waiting, when another write committed in between (SQLITE_BUSY_SNAPSHOT).
    # A read session begins deferred: in WAL mode it reads its snapshot while another connection writes,
    # so a slow write never makes sign-in checks, lists and pages wait (and it may still write, if it must).
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(DEFERRED) else "BEGIN IMMEDIATE")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, pool_size: int = 20, busy_timeout_ms: int = 10_000, statement_timeout_ms: int = 0) -> Engine:
    """An engine for the URL with the settings Clearway relies on."""
    # orjson for JSON columns: documents are serialised on every lodgement and read on every view.
    json_args: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        # Past the busy timeout a waiting request fails with "database is locked": a 503 (clearway.handlers).
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
                               **json_args)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        # pysqlite's own transaction handling defers BEGIN; take control so writes lock up front.
        event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        if statement_timeout_ms:
            _sqlite_statement_deadline(engine, statement_timeout_ms)
        return engine
    # No pre-ping: it costs a round trip per request; recycling and the pool's error handling
    # replace connections the server dropped.
    # JIT off: short transactional statements never repay its compile time (a lodgement's one
    # statement has set-returning functions whose default row estimates would trigger it).
    # A bounded connect timeout and pool wait: a database that is down or unreachable answers 503 within
    # seconds (clearway.handlers), never a request that hangs until the client gives up.
    # statement_timeout: the server cancels a statement that runs too long (clearway.handlers answers 503).
    options = "-c jit=off" + (f" -c statement_timeout={int(statement_timeout_ms)}" if statement_timeout_ms else "")
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                         pool_timeout=POOL_TIMEOUT_S,
                         connect_args={"options": options, "connect_timeout": CONNECT_TIMEOUT_S}, **json_args)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    settings = get_settings()
    return make_engine(settings.database_url, settings.db_pool_size, settings.db_busy_timeout_ms,
                       settings.db_statement_timeout_ms)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """Session factory bound to the process-wide engine."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=False)


def get_read_sessionmaker() -> sessionmaker[Session]:
    """Session factory for work that only reads (principal look-ups, test-runs): never waits for SQLite's write lock."""
    return _read_sessionmaker(get_engine())


def read_sessions_of(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """A read-only twin of a session factory (a worker's): on SQLite its transactions begin deferred."""
    return _read_sessionmaker(sessions.kw["bind"])


@lru_cache(maxsize=4)
def _read_engine(engine: Engine) -> Engine:
    # Keyed by engine, so it follows get_engine's cache (tests clear it between databases).
    return engine.execution_options(**{DEFERRED: True})


@lru_cache(maxsize=4)
def _read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=_read_engine(engine), expire_on_commit=False, autoflush=False)


class RequestSession(Session):
    """A request's session: on SQLite it begins deferred when the request is known to only read.

    That is a GET or HEAD by a trader (set by the principal dependency as `request.state.principal`):
    customs staff's and agencies' reads append audit records, and a write after a read in a deferred
    transaction fails at once when another write committed in between, where BEGIN IMMEDIATE waits.
    Decided at the first statement, after the request's dependencies have run.
    """

    def __init__(self, request: Request, engine: Engine):
        super().__init__(bind=engine, expire_on_commit=False, autoflush=False)
        self._request = request
        self._engine = engine
        self._chosen: Engine | None = None

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        """The read engine for a trader's GET or HEAD, else the engine; chosen once, so one connection serves all."""
        if self._chosen is None:
            principal = getattr(self._request.state, "principal", None)
            reads_only = self._request.method in ("GET", "HEAD") and getattr(principal, "role", None) == "trader"
            self._chosen = _read_engine(self._engine) if reads_only else self._engine
        return self._chosen


@lru_cache
def get_reports_sessionmaker() -> sessionmaker[Session]:
    """Session factory for reports: on the read replica when one is configured, else the main database's."""
    settings = get_settings()
    if not settings.reports_database_url:
        return get_sessionmaker()
    engine = make_engine(settings.reports_database_url, settings.db_pool_size, settings.db_busy_timeout_ms)
    # Marked, so that reports skip the refreshes they would otherwise write (the replica is read-only).
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False, info={"read_replica": True})


async def reports_session_scope() -> AsyncIterator[Session]:
    """A read-only session for one report request (see `get_reports_sessionmaker`)."""
    session = get_reports_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


async def session_scope(request: Request) -> AsyncIterator[Session]:
    """A session for one request; the caller owns the transaction.

    Async so FastAPI does not spend two thread-pool hops on it: creating a Session does no I/O,
    and closing one whose transaction the endpoint already ended only returns a connection.
    On SQLite a trader's GET or HEAD reads without the write lock (see `RequestSession`).
    """
    session = RequestSession(request, get_engine())
    try:
        yield session
    finally:
        session.close()


async def read_session_scope() -> AsyncIterator[Session]:
    """A read session for one request that only reads, whatever its method (e.g. a rule's test-run, a POST)."""
    session = get_read_sessionmaker()()
    try:
        yield session
    finally:
        session.close()
