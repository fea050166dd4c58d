"""A webhook receiver for tests and benchmarks: verifies Standard Webhooks signatures, logs what arrives.

Run as a process: python tests/notifications/receiver.py PORT LOG_FILE SECRET [--delay-ms N] [--fail-mrn MRN]
It answers 204 to a correctly signed delivery after appending one JSON line (webhook-id, seq,
mrn, type) to LOG_FILE, 401 to a bad signature, and 503 to any delivery about --fail-mrn.
Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver(ThreadingHTTPServer):
    """The server with its verifier, log and fault options."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, log_path: str, secret: str, delay_ms: int = 0, fail_mrn: str | None = None):
        super().__init__(("127.0.0.1", port), Handler)
        self.webhook, self.delay_ms, self.fail_mrn = Webhook(secret), delay_ms, fail_mrn
        self.log = open(log_path, "a", buffering=1)  # noqa: SIM115 - kept open for the server's life
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    """One delivery per POST."""

    protocol_version = "HTTP/1.1"  # keep-alive, like a real endpoint

    def do_POST(self) -> None:
        server: Any = self.server
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:
            payload = server.webhook.verify(body, dict(self.headers.items()))
        except WebhookVerificationError:
            return self._answer(401)
        if server.delay_ms:
            time.sleep(server.delay_ms / 1000)
        if server.fail_mrn and payload["data"].get("mrn") == server.fail_mrn:
            return self._answer(503)
        line = json.dumps({"id": self.headers["webhook-id"], "idempotency_key": self.headers.get("idempotency-key"),
                           "seq": payload["data"]["seq"],
                           "mrn": payload["data"].get("mrn"), "type": payload["type"]})
        with server.lock:
            server.log.write(line + "\n")
        self._answer(204)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


def read_log(path: str) -> list[dict[str, Any]]:
    """Every logged delivery, in arrival order."""
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def main(argv: list[str]) -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("log")
    parser.add_argument("secret")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--fail-mrn")
    args = parser.parse_args(argv)
    Receiver(args.port, args.log, args.secret, args.delay_ms, args.fail_mrn).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
