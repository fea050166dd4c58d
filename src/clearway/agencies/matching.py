"""Which agencies a declaration concerns, item by item, and what each may see of it. Pure: no database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clearway.agencies.profiles import AgencyProfile

PARTIES = ("importer", "exporter", "seller")


@dataclass(frozen=True, slots=True)
class Match:
    """One item concerning one agency: referred (basis competence or restriction) and/or needing its LPCO."""

    agency: str
    item: int
    basis: str  # "competence" or "restriction"
    refer: bool
    lpco: str | None


def _covers(prefixes: Iterable[str], hs_code: str) -> bool:
    return any(hs_code.startswith(p) for p in prefixes)


def item_matches(profile: AgencyProfile, *, regime: str, item: Mapping[str, Any], end_use: str | None,
                 restricted_by: Iterable[str]) -> Match | None:
    """How one item concerns an agency, if it does (a tariff restriction naming the agency always refers)."""
    hs = str(item.get("hs_code", ""))
    refer, lpco, basis = False, None, "competence"
    for rule in profile.competence:
        if regime not in rule.regimes or not _covers(rule.hs, hs):
            continue
        if rule.origins and item.get("origin_country") not in rule.origins:
            continue
        if rule.end_uses and end_use not in rule.end_uses:
            continue
        refer = refer or rule.refer
        lpco = lpco or rule.lpco
    if (profile.tariff_agency or profile.code) in set(restricted_by) and not refer:
        refer, basis = True, "restriction"
    if not refer and lpco is None:
        return None
    return Match(profile.code, 0, basis, refer, lpco)


def matches_of(profiles: Iterable[AgencyProfile], document: Mapping[str, Any],
               restrictions: Mapping[int, frozenset[str]]) -> list[Match]:
    """Every (agency, item) a declaration concerns, in item then agency order."""
    regime = str(document.get("type", "IM"))
    found: list[Match] = []
    listed = list(profiles)
    for index, item in enumerate(document.get("items", ())):
        for profile in listed:
            hit = item_matches(profile, regime=regime, item=item, end_use=item.get("end_use"),
                               restricted_by=restrictions.get(index, frozenset()))
            if hit is not None:
                found.append(Match(hit.agency, index, hit.basis, hit.refer, hit.lpco))
    return found


def visible_data(profile: AgencyProfile, document: Mapping[str, Any], item: int) -> dict[str, Any]:
    """What the agency may see of one item and its declaration: only the fields its profile lists."""
    line = document["items"][item]
    seen: dict[str, Any] = {k: line[k] for k in profile.sees if k not in PARTIES and k != "transport" and k in line}
    parties: dict[str, Any] = {k: document[k] for k in profile.sees if k in PARTIES and k in document}
    if "transport" in profile.sees and "transport" in document:
        parties["transport"] = document["transport"]
    return {"type": document.get("type"), "office": document.get("office"), "item": seen, **parties}


def digest_of(data: Mapping[str, Any]) -> str:
    """A fingerprint of what an agency sees: unchanged by an amendment means its decision stands."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
