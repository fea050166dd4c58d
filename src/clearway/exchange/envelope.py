"""Envelopes and receipts: a header over a JCS (RFC 8785) canonical form, signed with a detached Ed25519 JWS.

The payload is bound to the header by its SHA-256 hash (of its canonical form), so one signature covers
both; the signature is a JWS compact serialization with the content detached (RFC 7515 appendix F).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Any

import rfc8785
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

ALG = "Ed25519"  # the fully specified JOSE name (RFC 9864) for EdDSA over Ed25519


def canonical(value: Any) -> bytes:
    """The JCS (RFC 8785) canonical bytes of a JSON value."""
    return rfc8785.dumps(value)


def payload_hash(payload: Any) -> str:
    """`sha256:<hex>` of the payload's canonical form."""
    return "sha256:" + hashlib.sha256(canonical(payload)).hexdigest()


def payload_hash_or_none(payload: Any) -> str | None:
    """The payload's hash, or None when it has no canonical form (NaN, integers past 2^53, deep nesting)."""
    try:
        return payload_hash(payload)
    except (ValueError, RecursionError):
        return None


def key_generate() -> dict[str, Any]:
    """A new Ed25519 key as a private JWK, its kid the RFC 7638 thumbprint."""
    key = OKPKey.generate_key("Ed25519")
    jwk = dict(key.as_dict(private=True))
    jwk["kid"] = key.thumbprint()
    return jwk


def public_of(jwk: dict[str, Any]) -> dict[str, Any]:
    """The public half of a JWK."""
    return {k: jwk[k] for k in ("kty", "crv", "x", "kid") if k in jwk}


@lru_cache(maxsize=256)
def _key(kty: str, crv: str, x: str, d: str | None) -> OKPKey:
    """An imported key, kept: importing costs more than signing."""
    fields: dict[str, Any] = {"kty": kty, "crv": crv, "x": x}
    if d:
        fields["d"] = d
    return OKPKey.import_key(fields)


def _key_of(jwk: dict[str, Any]) -> OKPKey:
    return _key(str(jwk.get("kty")), str(jwk.get("crv")), str(jwk.get("x")),
                str(jwk["d"]) if jwk.get("d") else None)


def sign(document: dict[str, Any], jwk: dict[str, Any]) -> str:
    """A detached JWS (`protected..signature`) over the document's canonical form."""
    key = _key_of(jwk)
    compact = jws.serialize_compact({"alg": ALG, "kid": jwk["kid"]}, canonical(document), key, algorithms=[ALG])
    protected, _, signature = compact.split(".")
    return f"{protected}..{signature}"


def verify(document: dict[str, Any], signature: str, public_jwk: dict[str, Any]) -> bool:
    """True when `signature` is a detached JWS by this key over the document's canonical form."""
    if not isinstance(signature, str) or signature.count(".") != 2:
        return False
    try:
        key = _key_of({k: v for k, v in public_jwk.items() if k != "d"})
        found = jws.deserialize_compact(signature, key, payload=canonical(document), algorithms=[ALG])
    except (JoseError, ValueError, TypeError):
        return False
    return found.protected.get("kid") == public_jwk.get("kid") and found.protected.get("alg") == ALG


def rfc3339(at: datetime) -> str:
    """A UTC timestamp as RFC 3339 with microseconds."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def envelope_build(*, header: dict[str, Any], payload: dict[str, Any], jwk: dict[str, Any]) -> dict[str, Any]:
    """A complete envelope: the header (with the payload hash and our kid), the payload, the signature."""
    full = {**header, "payload_hash": payload_hash(payload), "kid": jwk["kid"]}
    return {"header": full, "payload": payload, "signature": sign(full, jwk)}


def receipt_build(*, body: dict[str, Any], jwk: dict[str, Any]) -> dict[str, Any]:
    """A signed receipt: the acknowledgement body (with our kid) and its detached signature."""
    full = {**body, "kid": jwk["kid"]}
    return {"receipt": full, "signature": sign(full, jwk)}
