"""How envelopes travel: HTTPS push, pull and acknowledgement to a partner's Clearway API.

Every request follows `clearway.outbound`: the partner's URL is checked again when the request is made, the
connection goes to the address that was checked (TLS still verifies the certificate of the name), redirects
are not followed, and a failure is told only as a coarse class.
"""

from __future__ import annotations

import ssl
from typing import Any, Protocol

import httpx

from clearway import outbound
from clearway.config import get_settings

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


def _from_tls(exc: BaseException | None) -> bool:
    while exc is not None:  # httpx wraps httpcore's error, which wraps the ssl module's
        if isinstance(exc, ssl.SSLError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class HttpTransport:
    """The transport over HTTP(S) with one connection pool."""

    def __init__(self, timeout_s: float, resolve: outbound.Resolver = outbound.system_resolve,
                 ca_certs: str | None = None):
        self.client = httpx.Client(timeout=timeout_s, headers={"content-type": "application/json"},
                                   follow_redirects=False, verify=ssl.create_default_context(cafile=ca_certs))
        self.resolve = resolve

    def request(self, method: str, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """One request to the address `url` resolves to now, if that address may be contacted; else TransportError."""
        loopback = get_settings().outbound_loopback
        try:
            target = outbound.target_check(url, allow_http=loopback, allow_loopback=loopback, resolve=self.resolve)
        except outbound.OutboundRefused as refused:
            raise TransportError(refused.reason) from None
        address = f"[{target.address}]" if ":" in target.address else target.address
        default = 443 if target.scheme == "https" else 80
        name = f"[{target.host}]" if ":" in target.host else target.host
        # The name travels in Host and SNI (the certificate is checked against it); the socket goes to the address.
        extensions = {"sni_hostname": target.host} if target.scheme == "https" and not outbound.literal_address(
            target.host) else {}
        try:
            return self.client.request(method, f"{target.scheme}://{address}:{target.port}{target.path}", json=body,
                                       headers={"host": name if target.port == default else f"{name}:{target.port}"},
                                       extensions=extensions)
        except httpx.HTTPError as exc:
            # Refused, reset, timed out or not HTTP look alike: a closed port tells nothing an open one does not.
            raise TransportError("tls_failed" if _from_tls(exc) else "unreachable") from None

    def _post(self, url: str, body: dict[str, Any], field: str | None) -> Any:
        response = self.request("POST", url, body)
        if response.status_code != 200:
            raise TransportError(f"http_{response.status_code}")
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
