"""Notification fixtures: fast retries, a receiver in a thread, and running the relay and deliveries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import auth, job_context

FAST = {"CLEARWAY_WEBHOOK_RETRY_BASE_S": "0.05", "CLEARWAY_WEBHOOK_RETRY_CAP_S": "0.2",
        "CLEARWAY_WEBHOOK_RELAY_GAP_WAIT_S": "0", "CLEARWAY_WEBHOOK_TIMEOUT_S": "2",
        "CLEARWAY_WEBHOOK_POLL_S": "0.1", "CLEARWAY_WEBHOOK_LEASE_S": "2"}


@pytest.fixture(autouse=True)
def fast_webhooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Retries in tens of milliseconds, no wait at relay gaps."""
    from clearway.notifications.settings import webhook_settings

    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    webhook_settings.cache_clear()
    yield
    webhook_settings.cache_clear()


def endpoint(client: Any, url: str, username: str = "trader-a") -> str:
    """Point a trader's webhooks at a URL; its first secret."""
    r = client.put("/api/v1/notifications/endpoint", json={"url": url}, headers=auth(client, username))
    assert r.status_code == 200, r.text
    return str(r.json()["secrets"][0]["secret"])


def hook_url(port: int) -> str:
    """The receiver URL on a local port."""
    return f"http://127.0.0.1:{port}/hook"


def pump(rounds: int = 1) -> None:
    """Relay what was committed and attempt what is due, a few times."""
    from clearway.notifications.jobs import deliver, relay

    ctx = job_context()
    try:
        for _ in range(rounds):
            relay(ctx)
            deliver(ctx)
    finally:
        ctx.close()


class ThreadReceiver:
    """The test receiver served from a thread of this process, for in-process tests."""

    def __init__(self, tmp_path: Any, port: int, secret: str, **options: Any):
        from tests.notifications.receiver import Receiver

        self.port, self.log = port, str(tmp_path / "received.jsonl")
        self.server = Receiver(self.port, self.log, secret, **options)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Where to send webhooks."""
        return f"http://127.0.0.1:{self.port}/hook"

    def received(self) -> list[dict[str, Any]]:
        """What arrived so far."""
        from tests.notifications.receiver import read_log

        return read_log(self.log)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
