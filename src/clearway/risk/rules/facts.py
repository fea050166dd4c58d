"""The facts a rule can test: declaration, party, transport and item fields, and derived features.

Derived features: unit value per kg, the reference unit value of the item's HS6 and origin (from
stored history, see `reference`), its ratio to it, first-seen traders, and the route. Live
decisions and test-runs over history build facts through the same function, so a rule means the
same thing in both. Amounts are Decimal; a missing value is None (null in the rule language).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from clearway.classification.neighbours import DutyTable, lower_duty_neighbour
from clearway.classification.selectors import mismatch_distance, mismatch_far
from clearway.enforcement import atoms as tbml_atoms

NUM, STR, BOOL = "number", "text", "boolean"
ROLES = ("declarant", "importer", "exporter", "seller", "buyer")
FIRST_SEEN_ROLES = ("declarant", "importer", "seller")
MIN_REFERENCE_COUNT = 5  # fewer past declarations than this give no reference unit value

DECLARATION_FIELDS: dict[str, str] = {
    "declaration.type": STR, "declaration.office": STR, "declaration.currency": STR,
    "declaration.incoterm": STR, "declaration.total_value": NUM, "declaration.item_count": NUM,
    "declaration.invoice_total": NUM, "declaration.freight": NUM, "declaration.insurance": NUM,
    "declaration.lodged_hour": NUM, "declaration.lodged_weekday": NUM,
    "transport.mode": STR, "transport.border_office": STR, "transport.means_id": STR,
    "transport.departure_country": STR,
    **{f"{role}.{part}": STR for role in ROLES for part in ("id", "name", "country", "address")},
    **{f"{role}.first_seen": BOOL for role in FIRST_SEEN_ROLES},
    "declarant.aeo": BOOL,
}
# Facts another domain supplies per lodgement (ChannelContext.facts); None when it supplied none. The exchange:
# the partner's export declaration set against this import (mirror check), and the partner's AEO recognition.
SUPPLIED_FIELDS: dict[str, str] = {
    "mirror.found": BOOL, "mirror.gap": BOOL, "mirror.partner": STR, "mirror.value_gap": NUM,
    "mirror.quantity_gap": NUM, "mirror.hs_mismatch": BOOL, "mirror.origin_mismatch": BOOL,
    "exporter.partner_aeo": BOOL,
}
DECLARATION_FIELDS.update(SUPPLIED_FIELDS)
ITEM_FIELDS: dict[str, str] = {
    "item.index": NUM, "item.hs_code": STR, "item.hs6": STR, "item.hs4": STR, "item.chapter": STR,
    "item.description": STR, "item.origin": STR, "item.net_mass_kg": NUM, "item.gross_mass_kg": NUM,
    "item.quantity": NUM, "item.unit": STR, "item.value": NUM, "item.preference": STR, "item.packages": NUM,
    "item.unit_value_kg": NUM, "item.uv_ratio": NUM, "item.route": STR,
    "ref.unit_value_kg": NUM, "ref.count": NUM, "ref.known": BOOL,
    # Classification: 0..1 distance between the description and the declared heading, and "far".
    "item.description_mismatch": NUM, "item.description_far": BOOL,
    # A higher-duty subheading of the same heading fits the description better, and by how many points.
    "item.lower_duty_neighbour": BOOL, "item.neighbour_duty_gap": NUM,
}
ITEM_FIELDS.update(tbml_atoms.FIELDS)  # the TBML indicators (enforcement.atoms): item.tbml.<code>, item.tbml.score
TBML_FIELDS = frozenset(tbml_atoms.FIELDS)
FIELDS = {**DECLARATION_FIELDS, **ITEM_FIELDS}
ITEMS_KEY = "__items__"


@dataclass
class TraderMemory:
    """Party ids already seen in declarations: what makes a trader 'first seen'."""

    seen: set[str] = field(default_factory=set)

    def first_seen(self, party_id: str | None) -> bool | None:
        """True when this id never appeared before (None when the party has no id)."""
        return None if not party_id else party_id not in self.seen

    def remember(self, ids: Iterable[str | None]) -> None:
        """Count these ids as seen from now on."""
        self.seen.update(i for i in ids if i)


@dataclass(frozen=True)
class Knowledge:
    """What facts need from the past: reference unit values, AEO operators and the traders seen."""

    references: Mapping[tuple[str, str], tuple[Decimal, int]] = field(default_factory=dict)
    aeo: frozenset[str] = frozenset()
    traders: TraderMemory | None = None  # None when no rule asks whether a trader is new
    classification: bool = False  # compute the description/code mismatch (only when a rule asks)
    duties: DutyTable | None = None  # duty per line for the lower-duty neighbour (None: no rule asks)
    tbml: Any = None  # enforcement.indicators.IndicatorState when a rule reads a TBML atom (None: none asks)


def decimal_or_none(value: Any) -> Decimal | None:
    """A Decimal from a JSON amount (a string), None when absent or unreadable."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def reference_of(references: Mapping[tuple[str, str], tuple[Decimal, int]], hs6: str,
                 origin: str) -> tuple[Decimal, int] | None:
    """The usual unit value for HS6 from this origin, else for the HS6 from anywhere, if known well enough."""
    for key in ((hs6, origin), (hs6, "")):
        found = references.get(key)
        if found is not None and found[1] >= MIN_REFERENCE_COUNT:
            return found
    return None


def _party_facts(document: Mapping[str, Any], knowledge: Knowledge, declarant: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for role in ROLES:
        party = document.get(role) or {}
        for part in ("id", "name", "country", "address"):
            facts[f"{role}.{part}"] = party.get(part)
    memory = knowledge.traders
    for role in FIRST_SEEN_ROLES:
        facts[f"{role}.first_seen"] = memory.first_seen(facts[f"{role}.id"]) if memory else None
    facts["declarant.aeo"] = declarant in knowledge.aeo
    return facts


def item_facts(item: Mapping[str, Any], index: int, departure: str | None,
               references: Mapping[tuple[str, str], tuple[Decimal, int]], classify: bool = False,
               duties: DutyTable | None = None) -> dict[str, Any]:
    """The facts of one goods item, with its unit value measured against the reference."""
    code, origin = str(item.get("hs_code", "")), str(item.get("origin_country", ""))
    value, mass = decimal_or_none(item.get("value")), decimal_or_none(item.get("net_mass_kg"))
    unit_value = value / mass if value is not None and mass else None
    ref = reference_of(references, code[:6], origin)
    ratio = unit_value / ref[0] if unit_value is not None and ref is not None and ref[0] > 0 else None
    quantity, packages = item.get("quantity") or {}, item.get("packages") or {}
    return {
        "item.index": index + 1, "item.hs_code": code, "item.hs6": code[:6], "item.hs4": code[:4],
        "item.chapter": code[:2], "item.description": item.get("description"), "item.origin": origin,
        "item.net_mass_kg": mass, "item.gross_mass_kg": decimal_or_none(item.get("gross_mass_kg")),
        "item.quantity": decimal_or_none(quantity.get("value")), "item.unit": quantity.get("unit"),
        "item.value": value, "item.preference": item.get("preference"), "item.packages": packages.get("count"),
        "item.unit_value_kg": unit_value, "item.uv_ratio": ratio,
        "item.route": f"{departure or '?'}>{origin}",
        "ref.unit_value_kg": ref[0] if ref else None, "ref.count": ref[1] if ref else 0, "ref.known": ref is not None,
        **(_mismatch_facts(item.get("description"), code) if classify else NO_MISMATCH),
        **(_neighbour_facts(item.get("description"), code, duties) if duties is not None else NO_NEIGHBOUR),
    }


NO_MISMATCH: dict[str, Any] = {"item.description_mismatch": None, "item.description_far": None}
CLASSIFICATION_FIELDS = frozenset(NO_MISMATCH)


def _mismatch_facts(description: Any, code: str) -> dict[str, Any]:
    """The classification signal: how far the declared code is from what the description says."""
    text = description if isinstance(description, str) else None
    distance = mismatch_distance(text, code)
    return {"item.description_mismatch": None if distance is None else Decimal(str(distance)),
            "item.description_far": mismatch_far(text, code)}


NO_NEIGHBOUR: dict[str, Any] = {"item.lower_duty_neighbour": None, "item.neighbour_duty_gap": None}
NEIGHBOUR_FIELDS = frozenset(NO_NEIGHBOUR)
EVIDENCE_KEY = "__evidence__"  # what officers are shown when a rule reading these facts hits the item


def _neighbour_facts(description: Any, code: str, duties: DutyTable) -> dict[str, Any]:
    """Whether a better-fitting neighbour of the declared code carries a higher duty (None: the code has no
    known ad valorem duty, so nothing can be said)."""
    text = description if isinstance(description, str) else None
    if not text or duties.rate(code) is None:
        return NO_NEIGHBOUR
    found = lower_duty_neighbour(text, code, duties)
    if found is None:
        return {"item.lower_duty_neighbour": False, "item.neighbour_duty_gap": None}
    evidence = {"code": "classification.lower_duty_neighbour", "params": {
        "code": found.declared, "declared": f"{found.declared_duty.normalize():f}%", "best": found.neighbour,
        "suggested": f"{found.neighbour_duty.normalize():f}%"}}
    return {"item.lower_duty_neighbour": True, "item.neighbour_duty_gap": found.gap, EVIDENCE_KEY: [evidence]}


def declaration_facts(document: Mapping[str, Any], total_value: Decimal, *, declarant: str, lodged_at: datetime,
                      knowledge: Knowledge, supplied: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every fact of a declaration; its items' facts sit under ITEMS_KEY."""
    transport = document.get("transport") or {}
    departure = transport.get("departure_country")
    items = document.get("items") or []
    facts: dict[str, Any] = {
        "declaration.type": document.get("type"), "declaration.office": document.get("office"),
        "declaration.currency": document.get("currency"), "declaration.incoterm": document.get("incoterm"),
        "declaration.total_value": total_value, "declaration.item_count": len(items),
        "declaration.invoice_total": decimal_or_none(document.get("invoice_total")),
        "declaration.freight": decimal_or_none(document.get("freight")),
        "declaration.insurance": decimal_or_none(document.get("insurance")),
        "declaration.lodged_hour": lodged_at.hour, "declaration.lodged_weekday": lodged_at.isoweekday(),
        "transport.mode": transport.get("mode"), "transport.border_office": transport.get("border_office"),
        "transport.means_id": transport.get("means_id"), "transport.departure_country": departure,
        **_party_facts(document, knowledge, declarant),
    }
    facts.update({name: (supplied or {}).get(name) for name in SUPPLIED_FIELDS})
    facts[ITEMS_KEY] = [item_facts(item, i, departure, knowledge.references, knowledge.classification,
                                   knowledge.duties) for i, item in enumerate(items)]
    for item, atoms in zip(facts[ITEMS_KEY], tbml_atoms.item_atoms(document, declarant=declarant, lodged_at=lodged_at,
                                                                   state=knowledge.tbml), strict=True):
        item.update(atoms)
    return facts


def party_ids(document: Mapping[str, Any]) -> list[str | None]:
    """The ids of the parties whose first appearance rules may ask about."""
    return [(document.get(role) or {}).get("id") for role in FIRST_SEEN_ROLES]

