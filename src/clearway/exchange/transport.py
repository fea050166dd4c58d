"""How envelopes travel: HTTPS push, pull and acknowledgement to a partner's Clearway API."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

INBOX, PULL, ACKS = "/api/v1/exchange/inbox", "/api/v1/exchange/pull", "/api/v1/exchange/acks"


class TransportError(Exception):
    """The partner could not be reached or did not answer as agreed."""


class Transport(Protocol):
    """Moves envelopes to one partner's endpoint and brings back what it answered."""

    def push(self, endpoint: str, envelopes: list[dict[str, Any]]) -> list[Any]:
        """Send envelopes; the partner's receipts, one per envelope."""
        ...

    def pull(self, endpoint: str, request: dict[str, Any]) -> list[Any]:
        """Ask for what the partner holds for us."""
        ...

    def ack(self, endpoint: str, receipts: list[dict[str, Any]]) -> None:
        """Acknowledge pulled envelopes with our receipts."""
        ...


class HttpTransport:
    """The transport over HTTP(S) with one connection pool."""

    def __init__(self, timeout_s: float):
        self.client = httpx.Client(timeout=timeout_s, headers={"content-type": "application/json"})

    def _post(self, url: str, body: dict[str, Any], field: str | None) -> Any:
        try:
            response = self.client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}"[:200]) from None
        if response.status_code != 200:
            raise TransportError(f"HTTP {response.status_code}")
        if field is None:
            return None
        try:
            found = response.json()[field]
        except (ValueError, KeyError, TypeError):
            raise TransportError("answer without " + field) from None
        if not isinstance(found, list):
            raise TransportError("answer without " + field)
        return found

    def push(self, endpoint: str, envelopes: list[dict[str, Any]]) -> list[Any]:
        """POST envelopes to the partner's inbox."""
        receipts = self._post(endpoint + INBOX, {"envelopes": envelopes}, "receipts")
        if len(receipts) != len(envelopes):
            raise TransportError("receipts do not match envelopes")
        return list(receipts)

    def pull(self, endpoint: str, request: dict[str, Any]) -> list[Any]:
        """POST a signed pull request."""
        return list(self._post(endpoint + PULL, request, "envelopes"))

    def ack(self, endpoint: str, receipts: list[dict[str, Any]]) -> None:
        """POST receipts for pulled envelopes."""
        self._post(endpoint + ACKS, {"receipts": receipts}, None)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()
