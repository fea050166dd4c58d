"""Watchlists in memory: ids matched exactly, names and addresses fuzzily (rapidfuzz), expiry respected.

Names are normalised before comparison (case, punctuation and legal-form words such as "Co.",
"Ltd" or "GmbH" removed) and compared with rapidfuzz's token-sort ratio, so word order and small
spelling differences do not hide a listed trader. Each entry has its own threshold (0-100).
Lookups are cached per normalised text: the same traders lodge again and again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

KINDS = ("trader", "seller", "address", "means")
SEVERITY_CHANNEL = {"low": "blue", "medium": "yellow", "high": "red"}
# Which parts of a declaration each list is compared with: (role, field) pairs.
TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "trader": tuple((role, "name") for role in ("declarant", "importer", "exporter", "buyer")),
    "seller": (("seller", "name"), ("exporter", "name")),
    "address": tuple((role, "address") for role in ("declarant", "importer", "exporter", "seller", "buyer")),
    "means": (("transport", "means_id"),),
}
LEGAL_FORMS = frozenset({"co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc",
                         "plc", "gmbh", "ag", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "pte", "pty", "kk",
                         "oy", "ab", "as", "sl", "the", "and"})
_CACHE_LIMIT = 50_000
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def name_key(text: str) -> str:
    """A name reduced to what identifies it: lower case, no punctuation, no legal-form words."""
    words = default_process(text).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def id_key(text: str) -> str:
    """An identifier (party id, vessel, flight, plate) without case, spaces or punctuation."""
    return _NOT_ALNUM.sub("", text.upper())


@dataclass(frozen=True)
class LiveEntry:
    """What matching needs of a watchlist entry."""

    id: int
    kind: str
    name: str
    party_id: str | None
    country: str | None
    threshold: int
    severity: str
    source: str
    expires_at: datetime | None


class WatchlistIndex:
    """Every active entry, indexed per list by exact id and by normalised name."""

    def __init__(self, entries: Iterable[LiveEntry]):
        self.entries = list(entries)
        self.by_id: dict[tuple[str, str], list[LiveEntry]] = {}
        self.names: dict[str, list[str]] = {kind: [] for kind in KINDS}
        self.named: dict[str, list[LiveEntry]] = {kind: [] for kind in KINDS}
        for entry in self.entries:
            if entry.party_id:
                self.by_id.setdefault((entry.kind, id_key(entry.party_id)), []).append(entry)
            key = id_key(entry.name) if entry.kind == "means" else name_key(entry.name)
            if key:
                self.names[entry.kind].append(key)
                self.named[entry.kind].append(entry)
        self.floor = {kind: min((e.threshold for e in self.named[kind]), default=101) for kind in KINDS}
        self._cache: dict[tuple[str, str], list[tuple[int, float]]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def similar(self, kind: str, text: str) -> list[tuple[LiveEntry, float]]:
        """Entries of a list whose name is at least as similar to `text` as their own threshold asks."""
        key = id_key(text) if kind == "means" else name_key(text)
        if not key or not self.names[kind]:
            return []
        cached = self._cache.get((kind, key))
        if cached is None:
            found = process.extract(key, self.names[kind], scorer=fuzz.token_sort_ratio, processor=None,
                                    score_cutoff=self.floor[kind], limit=None)
            cached = [(index, float(score)) for _, score, index in found]
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[(kind, key)] = cached
        entries = self.named[kind]
        return [(entries[i], score) for i, score in cached if score >= entries[i].threshold]

    def match(self, document: Mapping[str, Any], at: datetime) -> list[dict[str, Any]]:
        """Every unexpired entry a declaration's parties, addresses or means of transport match."""
        hits: dict[int, dict[str, Any]] = {}
        for kind, targets in TARGETS.items():
            for role, part in targets:
                party = document.get(role) or {}
                self._by_id(kind, role, party, at, hits)
                text = party.get(part)
                if isinstance(text, str) and text:
                    for entry, score in self.similar(kind, text):
                        if _live(entry, at) and _same_country(entry, party) and entry.id not in hits:
                            hits[entry.id] = _hit(entry, role, text, score)
        return sorted(hits.values(), key=lambda h: (-_RANK[h["severity"]], -h["score"], h["entry_id"]))

    def _by_id(self, kind: str, role: str, party: Mapping[str, Any], at: datetime,
               hits: dict[int, dict[str, Any]]) -> None:
        party_id = party.get("id")
        if kind == "means" or not isinstance(party_id, str):
            return
        for entry in self.by_id.get((kind, id_key(party_id)), ()):
            if _live(entry, at) and entry.id not in hits:
                hits[entry.id] = _hit(entry, role, party_id, 100.0)


_RANK = {"low": 1, "medium": 2, "high": 3}


def _live(entry: LiveEntry, at: datetime) -> bool:
    return entry.expires_at is None or entry.expires_at > at


def _same_country(entry: LiveEntry, party: Mapping[str, Any]) -> bool:
    country = party.get("country")
    return not entry.country or not country or entry.country == country


def _hit(entry: LiveEntry, role: str, text: str, score: float) -> dict[str, Any]:
    how = "is" if score >= 100 else f"resembles ({score:.0f} %)"
    return {
        "entry_id": entry.id, "kind": entry.kind, "role": role, "matched": text[:200], "listed": entry.name,
        "score": round(score, 1), "severity": entry.severity, "channel": SEVERITY_CHANNEL[entry.severity],
        "source": entry.source,
        "text": f"{role} “{text[:80]}” {how} watchlist entry “{entry.name}” ({entry.kind}, {entry.severity}, "
                f"source: {entry.source})",
    }
