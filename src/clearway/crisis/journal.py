"""The hash chain of a post node's journal: each entry commits to the one before, so tampering shows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from clearway.exchange import envelope

GENESIS = "0" * 64


def entry_hash(*, prev_hash: str, seq: int, at: str, kind: str, ref: str, body: Any) -> str:
    """SHA-256 over the previous hash and the entry's canonical form."""
    core = envelope.canonical({"seq": seq, "at": at, "kind": kind, "ref": ref, "body": body})
    return hashlib.sha256(prev_hash.encode() + core).hexdigest()


def chain_verify(entries: Iterable[Mapping[str, Any]]) -> int | None:
    """The seq of the first entry that breaks the chain (edited, removed, reordered), or None when whole."""
    prev, expected = GENESIS, 1
    for e in entries:
        if e["seq"] != expected or e["prev_hash"] != prev:
            return expected
        if entry_hash(prev_hash=prev, seq=e["seq"], at=e["at"], kind=e["kind"], ref=e["ref"],
                      body=e["body"]) != e["hash"]:
            return int(e["seq"])
        prev, expected = e["hash"], expected + 1
    return None
