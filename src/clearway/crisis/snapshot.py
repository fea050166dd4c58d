"""The signed snapshot a post node is provisioned with: an Ed25519 detached JWS over its JCS form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clearway.errors import Problem, ValidationFailed
from clearway.exchange import envelope

SNAPSHOT_VERSION = 1
PARTS = ("reference", "tariff", "rules", "watchlist", "model", "aeo", "permits", "policy")


class SnapshotInvalid(ValidationFailed):
    """The snapshot is not signed by the centre's key, or lacks a part; the node refuses it."""

    slug = "crisis-snapshot-invalid"
    title_code = "problem.crisis_snapshot_invalid"


def snapshot_build(*, post: str, issued_at: datetime, valid_until: datetime, reference: dict[str, Any],
                   tariff: dict[str, str], rules: list[dict[str, Any]], watchlist: list[str],
                   model: dict[str, Any], aeo: list[str], permits: list[dict[str, Any]],
                   policy: dict[str, Any]) -> dict[str, Any]:
    """The snapshot document for one post (money and rates as strings, times RFC 3339)."""
    return {"version": SNAPSHOT_VERSION, "post": post, "issued_at": issued_at.isoformat(),
            "valid_until": valid_until.isoformat(), "reference": reference, "tariff": tariff,
            "rules": rules, "watchlist": watchlist, "model": model, "aeo": aeo, "permits": permits,
            "policy": policy}


def snapshot_sign(*, snapshot: dict[str, Any], jwk: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with the centre's detached signature and content hash."""
    return {"snapshot": snapshot, "hash": envelope.payload_hash(snapshot),
            "signature": envelope.sign(snapshot, jwk)}


def snapshot_verify(*, signed: Any, centre_public_jwk: dict[str, Any], post: str) -> dict[str, Any]:
    """The snapshot if the centre signed it for this post and it is complete; else SnapshotInvalid."""
    if not isinstance(signed, dict) or not isinstance(signed.get("snapshot"), dict):
        raise SnapshotInvalid([Problem("crisis.snapshot_malformed", "", {})])
    snapshot = signed["snapshot"]
    if not envelope.verify(snapshot, str(signed.get("signature", "")), centre_public_jwk):
        raise SnapshotInvalid([Problem("crisis.snapshot_signature", "/signature", {})])
    missing = [p for p in PARTS if p not in snapshot]
    if missing:
        raise SnapshotInvalid([Problem("crisis.snapshot_incomplete", f"/snapshot/{missing[0]}", {})])
    if snapshot.get("post") != post:
        raise SnapshotInvalid([Problem("crisis.snapshot_other_post", "/snapshot/post",
                                       {"post": str(snapshot.get("post"))})])
    return snapshot
