"""Start and stop a real Clearway server process for tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int = 1, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A uvicorn process serving the app on 127.0.0.1:port, answering before this returns."""
    env = {**os.environ, **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "clearway.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited: " + (proc.stderr.read().decode() if proc.stderr else ""))
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
