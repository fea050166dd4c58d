"""A database that cannot be reached (down, failing over) answers 503 with Retry-After, never a 500."""

from __future__ import annotations

import socket

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from clearway.handlers import install_handlers


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def _app(url: str) -> FastAPI:
    app = FastAPI()
    install_handlers(app)
    engine = create_engine(url, connect_args={"connect_timeout": 2})

    @app.post("/write")
    def write() -> dict[str, str]:
        with engine.connect() as conn:  # a real connection attempt to a PostgreSQL that is not there
            conn.execute(text("select 1"))
        return {"ok": "yes"}

    @app.get("/broken")
    def broken() -> dict[str, str]:
        with create_engine("sqlite://").connect() as conn:
            conn.execute(text("select * from no_such_table"))
        return {"ok": "no"}

    return app


def test_an_unreachable_database_is_503_with_retry_after_in_the_callers_language():
    client = TestClient(_app(f"postgresql+psycopg://clearway@127.0.0.1:{_closed_port()}/clearway"),
                        raise_server_exceptions=False)
    r = client.post("/write")
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json()["code"] == "server.database_unavailable"
    fr = client.post("/write", headers={"Accept-Language": "fr"})
    assert "injoignable" in fr.json()["errors"][0]["message"]


def test_a_broken_query_stays_a_500_not_a_retry_invitation():
    client = TestClient(_app("sqlite://"), raise_server_exceptions=False)
    r = client.get("/broken")
    assert r.status_code == 500 and r.json()["code"] == "server.internal_error"
