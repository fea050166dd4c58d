"""Signed, expiring tokens for bearer clients and browser sessions; verified without a query."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

PREFIX = "cw1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def token_issue(*, secret: str, claims: dict[str, Any], ttl_s: int, now: float | None = None) -> str:
    """A token carrying the claims, valid for ttl_s seconds."""
    payload = {**claims, "exp": int((now or time.time()) + ttl_s)}
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{PREFIX}.{body}.{_sign(secret, body)}"


def token_read(*, secret: str, token: str, now: float | None = None) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token; None for anything else."""
    parts = token.split(".")
    # Non-ASCII text cannot be a token (and compare_digest refuses it with TypeError).
    if len(parts) != 3 or parts[0] != PREFIX or len(token) > 2048 or not token.isascii():
        return None
    if not hmac.compare_digest(_sign(secret, parts[1]), parts[2]):
        return None
    try:
        claims: dict[str, Any] = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict) or claims.get("exp", 0) < (now or time.time()):
        return None
    return claims


def csrf_for(*, secret: str, session_token: str) -> str:
    """The CSRF token bound to one browser session (double submit, HMAC-derived)."""
    return _sign(secret, "csrf:" + session_token)
