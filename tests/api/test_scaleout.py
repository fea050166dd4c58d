"""Several API processes behind nginx answer as one: no per-process state changes an answer.

Two real server processes on the same database behind a real nginx (Debian); every request of the test
is sent to one process directly, so each step is checked against the other process.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import document
from tests.server import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
NGINX = ROOT / "scripts/nginx.sh"


@pytest.fixture
def farm(world: object, db_url: str) -> Iterator[tuple[str, list[str]]]:
    """Two API processes and nginx in front of them: (nginx URL, [process URLs])."""
    ports = [free_port(), free_port()]
    env = {"CLEARWAY_DATABASE_URL": db_url, "CLEARWAY_PRINCIPAL_CACHE_S": "1"}
    procs = [start_server(p, extra_env=env) for p in ports]
    work = tempfile.mkdtemp(prefix="clearway-nginx-")
    try:
        url = subprocess.check_output([str(NGINX), "start", work, str(free_port()), *map(str, ports)],
                                      text=True).strip()
        yield url, [f"http://127.0.0.1:{p}" for p in ports]
    finally:
        subprocess.run([str(NGINX), "stop", work], check=False)
        for proc in procs:
            stop_server(proc)


def _token(base: str, username: str, password: str = "demo") -> httpx.Response:
    return httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password}, timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_two_processes_behind_nginx_answer_as_one(farm):
    proxy, (one, two) = farm
    # A token issued by one process works on the other and through nginx.
    r = _token(one, "trader-a")
    assert r.status_code == 200, r.text
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert httpx.get(f"{two}/api/v1/auth/me", headers=bearer).status_code == 200
    assert httpx.get(f"{proxy}/api/v1/auth/me", headers=bearer).status_code == 200

    # A retry with the same Idempotency-Key on the other process gives the same declaration, once.
    doc, key = document(), "scaleout-1"
    first = httpx.post(f"{one}/api/v1/declarations", json=doc, headers={**bearer, "Idempotency-Key": key})
    again = httpx.post(f"{two}/api/v1/declarations", json=doc, headers={**bearer, "Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json()["mrn"] == again.json()["mrn"]
    assert again.headers.get("Location") == first.headers.get("Location")
    mrn = first.json()["mrn"]

    # The ETag one process gives is the precondition the other checks.
    read = httpx.get(f"{two}/api/v1/declarations/{mrn}", headers=bearer)
    etag = read.headers["ETag"]
    assert httpx.get(f"{one}/api/v1/declarations/{mrn}", headers=bearer).headers["ETag"] == etag
    stale = httpx.put(f"{one}/api/v1/declarations/{mrn}", json=doc, headers={**bearer, "If-Match": '"v999"'})
    assert stale.status_code == 412
    amended = httpx.put(f"{one}/api/v1/declarations/{mrn}", json=doc, headers={**bearer, "If-Match": etag})
    assert amended.status_code != 412, amended.text  # the precondition holds (a released one then needs an officer)

    # Sign-in throttling is shared: failures on both processes add up to one block.
    for n in range(6):
        _token(one if n % 2 else two, "trader-b", "wrong-password")
    blocked = _token(one, "trader-b")  # the right password, while blocked
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers

    # Through nginx, every request is served (either process), and the client address reaches the app.
    answers = [httpx.get(f"{proxy}/api/v1/declarations/{mrn}", headers=bearer).status_code for _ in range(10)]
    assert answers == [200] * 10


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_disabled_account_is_refused_by_every_process_within_the_cache_time(farm, db_url):
    proxy, (one, two) = farm
    bearer = {"Authorization": f"Bearer {_token(one, 'trader-a').json()['access_token']}"}
    assert httpx.get(f"{two}/api/v1/auth/me", headers=bearer).status_code == 200  # cached in process two
    done = subprocess.run([sys.executable, "-m", "clearway.cli", "users", "disable", "trader-a"],
                          env={"CLEARWAY_DATABASE_URL": db_url, **_env()}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    time.sleep(1.5)  # CLEARWAY_PRINCIPAL_CACHE_S=1 in both processes
    for base in (one, two, proxy):
        assert httpx.get(f"{base}/api/v1/auth/me", headers=bearer).status_code == 401


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k.startswith("CLEARWAY_") or k in ("PATH", "HOME")}
