"""The TBML indicators as rule atoms of the risk engine: one boolean per indicator code and the score, per item.

A rule reads them like any item fact (`item.tbml.price_over and item.tbml.third_party_payment`); the
risk engine's facts register `FIELDS` and call `item_atoms` when its knowledge carries a fitted
`IndicatorState` (only when an active rule reads one of them, see `risk.engine.live`). The other items
of the same declaration are the batch context of the window indicators (duplicates, split shipments,
fronts). Atoms are None when no state is loaded, so a rule on them is simply not met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from clearway.enforcement.indicators import CATALOGUE, IndicatorState
from clearway.enforcement.lodging import hits_one, score_of

PREFIX = "item."
SCORE = "item.tbml.score"
# The rule language's type names (risk.rules.facts: BOOL, NUM), spelt here so that enforcement needs no risk import.
FIELDS: dict[str, str] = {**{PREFIX + code: "boolean" for code in CATALOGUE}, SCORE: "number"}
NONE: dict[str, Any] = dict.fromkeys(FIELDS)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def document_lines(document: Mapping[str, Any], *, declarant: str, lodged_at: datetime) -> list[dict[str, Any]]:
    """The lines of a declaration document as the lodging-path indicators take them."""
    transport = document.get("transport") or {}
    importer = (document.get("importer") or {}).get("id") or declarant
    seller = (document.get("seller") or {}).get("id") or (document.get("seller") or {}).get("name") or ""
    reference = str(document.get("lrn") or document.get("mrn") or "")
    return [{"declaration_id": reference, "date": lodged_at, "hs6": str(item.get("hs_code", ""))[:6],
             "origin": str(item.get("origin_country") or ""),
             "departure": str(transport.get("departure_country") or ""), "importer": str(importer),
             "seller": str(seller), "declarant": declarant, "value": _number(item.get("value")),
             "mass_kg": _number(item.get("net_mass_kg")), "tax_rate": _number(item.get("duty_rate")),
             "payment_type": str(document.get("payment_type") or "")}
            for item in document.get("items") or []]


def item_atoms(document: Mapping[str, Any], *, declarant: str, lodged_at: datetime,
               state: IndicatorState | None) -> list[dict[str, Any]]:
    """Per item of the declaration: each indicator as `item.tbml.<name>` and the indicator score."""
    if state is None:  # no rule reads an atom: nothing to compute
        return [dict(NONE) for _ in document.get("items") or []]
    lines = document_lines(document, declarant=declarant, lodged_at=lodged_at)
    out = []
    for i, line in enumerate(lines):
        recent: Sequence[dict[str, Any]] = lines[:i] + lines[i + 1:]
        hit = hits_one(line, state, recent)
        atoms: dict[str, Any] = {PREFIX + code: hit[code] for code in CATALOGUE}
        atoms[SCORE] = Decimal(str(round(score_of(hit, line, state), 4)))
        out.append(atoms)
    return out

