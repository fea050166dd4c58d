"""What findings cost: the duty adjustment, its penalty, and the enforcement case of a seizure.

`findings_adjustment` applies the stated rates below to the declaration's own item values, and
records per item every figure it used, so the amount can be traced and checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

METHOD = "controls-stated-rates-v1"
# Stated ad valorem rates by HS chapter (a stand-in for the national tariff): tobacco 40 %,
# beverages 30 %, apparel and footwear 13 %, machinery and electronics 0 % (ITA), anything else 8 %
# (the basic rate). A preference claimed on an item is taken at 0 % until its origin is corrected.
CHAPTER_RATES = {"24": Decimal("0.40"), "22": Decimal("0.30"), "61": Decimal("0.13"), "62": Decimal("0.13"),
                 "64": Decimal("0.13"), "84": Decimal(0), "85": Decimal(0)}
BASIC_RATE = Decimal("0.08")
PENALTY_RATE = Decimal("0.10")  # of the duty that was short-declared
CENT = Decimal("0.01")


class FindingLike(Protocol):
    """What the adjustment needs of a finding."""

    item_index: int
    result: str
    corrected: dict[str, Any]


@dataclass(frozen=True)
class AdjustmentFigures:
    """Declared against corrected duty, the difference, the penalty, and the per-item basis."""

    currency: str
    declared_duty: Decimal
    corrected_duty: Decimal
    difference: Decimal
    penalty: Decimal
    total: Decimal
    method: str = METHOD
    basis: list[dict[str, Any]] = field(default_factory=list)


def rate_of(hs_code: str, preference: bool) -> Decimal:
    """The stated rate of a code; zero for an item whose preference stands."""
    return Decimal(0) if preference else CHAPTER_RATES.get(hs_code[:2], BASIC_RATE)


def _corrected_value(item: dict[str, Any], corrected: dict[str, Any]) -> Decimal:
    value = Decimal(str(item["value"]))
    if "value" in corrected:
        return Decimal(str(corrected["value"]))
    declared_qty = Decimal(str(item.get("quantity", {}).get("value", "0")))
    if "quantity" in corrected and declared_qty > 0:  # more goods than declared: value them pro rata
        return value * Decimal(str(corrected["quantity"])) / declared_qty
    return value


def _item_basis(index: int, item: dict[str, Any], corrected: dict[str, Any]) -> dict[str, Any]:
    claimed = bool(item.get("preference"))
    origin_changed = "origin_country" in corrected and corrected["origin_country"] != item["origin_country"]
    declared_rate = rate_of(item["hs_code"], claimed)
    corrected_rate = rate_of(str(corrected.get("hs_code", item["hs_code"])), claimed and not origin_changed)
    declared_value, corrected_value = Decimal(str(item["value"])), _corrected_value(item, corrected)
    return {"item": index, "declared_value": str(declared_value), "corrected_value": str(corrected_value),
            "declared_rate": str(declared_rate), "corrected_rate": str(corrected_rate),
            "declared_duty": str((declared_value * declared_rate).quantize(CENT, ROUND_HALF_UP)),
            "corrected_duty": str((corrected_value * corrected_rate).quantize(CENT, ROUND_HALF_UP))}


def stated_adjustment(*, document: dict[str, Any], findings: Iterable[FindingLike]) -> AdjustmentFigures | None:
    """The adjustment at the stated rates, or None when no finding corrects a value, code, origin or quantity."""
    items = document["items"]
    corrections = {f.item_index: f.corrected for f in findings if f.result == "discrepancy" and f.corrected}
    if not corrections:
        return None
    basis = [_item_basis(i, items[i], c) for i, c in sorted(corrections.items()) if 0 <= i < len(items)]
    declared = sum((Decimal(b["declared_duty"]) for b in basis), Decimal(0))
    corrected = sum((Decimal(b["corrected_duty"]) for b in basis), Decimal(0))
    difference = corrected - declared
    penalty = (difference * PENALTY_RATE).quantize(CENT, ROUND_HALF_UP) if difference > 0 else Decimal(0)
    return AdjustmentFigures(document["currency"], declared, corrected, difference, penalty, difference + penalty,
                             basis=basis)


def findings_adjustment(*, document: dict[str, Any], findings: Iterable[FindingLike]) -> AdjustmentFigures | None:
    """The duty adjustment the findings of a control imply, at the stated rates (see the module docstring)."""
    return stated_adjustment(document=document, findings=findings)


def seized_lines(findings: Iterable[Any]) -> list[dict[str, Any]]:
    """What was seized, item by item, for the enforcement case."""
    return [{"item": f.item_index, "quantity": format(Decimal(f.seized_quantity).normalize(), "f"),
             "unit": f.seized_unit, "kind": f.kind}
            for f in findings if f.seized_quantity is not None and f.seized_quantity > 0]
