"""Start and stop a real Clearway server process for tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


LOGS: dict[int, Path] = {}


def server_log(proc: subprocess.Popen[bytes], tail: int = 20_000) -> str:
    """The last characters a server process wrote to its log."""
    path = LOGS.get(proc.pid)
    return path.read_text(errors="replace")[-tail:] if path is not None and path.exists() else ""


def start_server(port: int, workers: int = 1, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A uvicorn process serving the app on 127.0.0.1:port, answering before this returns."""
    env = {**os.environ, **(extra_env or {})}
    # The log goes to a file: a pipe nobody reads fills up and then blocks a server that logs every refusal.
    log = tempfile.NamedTemporaryFile(prefix=f"clearway-server-{port}-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "clearway.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    log.close()
    LOGS[proc.pid] = Path(log.name)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited: " + server_log(proc))
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not answer within 90 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server process (and make sure it is gone)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    path = LOGS.pop(proc.pid, None)
    if path is not None and not os.environ.get("CLEARWAY_TEST_KEEP_LOGS"):
        path.unlink(missing_ok=True)
