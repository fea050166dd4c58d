"""Turn a consignment into what the world hands out: the DeclarationCreate document and its truth.

Amounts are decimal strings with at most two decimals (none for KRW, JPY and VND); item values
sum exactly to the invoice total because the total is their sum.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from clearway.synthetic.consignments import COUNT_UNITS, PACKAGE_KG, Consignment, Line, to_decimal
from clearway.synthetic.fraud import line_impact
from clearway.synthetic.parties import Organisation
from clearway.synthetic.records import TrueItem, Truth
from clearway.synthetic.tables import quantize_money

COIL_KG = 20000  # unpacked steel and metal travel as coils or bundles of about this mass


def text(amount: Decimal) -> str:
    """A Decimal as a plain decimal string, never in exponent form."""
    return format(amount, "f")


def rfc3339(instant: datetime) -> str:
    """A UTC instant as RFC 3339 with a Z suffix, to the second."""
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def _party(org: Organisation) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "country": org.country, "address": org.address}


def _packages(line: Line) -> dict[str, Any]:
    """Package count from the declared mass and the family's usual package."""
    kind, declared = line.good.package, line.declared
    if kind in ("VR", "VL"):
        count = 1
    elif kind == "NE":
        count = int(declared.quantity) if declared.unit in COUNT_UNITS else math.ceil(declared.net_mass / COIL_KG)
    else:
        count = math.ceil(declared.net_mass / PACKAGE_KG[kind])
    return {"count": max(1, count), "kind": kind}


def _item(line: Line) -> dict[str, Any]:
    d = line.declared
    item: dict[str, Any] = {
        "hs_code": d.hs_code,
        "description": d.description,
        "origin_country": d.origin,
        "net_mass_kg": text(d.net_mass),
        "gross_mass_kg": text(to_decimal(float(d.net_mass) * line.gross_factor)),
        "quantity": {"value": text(d.quantity), "unit": d.unit},
        "packages": _packages(line),
        "value": text(d.value),
    }
    if d.preference:
        item["preference"], item["origin_proof"] = d.preference, d.proof
    return item


def _transport(c: Consignment) -> dict[str, Any]:
    transport: dict[str, Any] = {"mode": c.mode, "border_office": c.border_office}
    if c.means_id:
        transport["means_id"] = c.means_id
    transport["departure_country"] = c.departure_country
    transport["arrival"] = rfc3339(c.arrival)
    return transport


def build_document(c: Consignment, lrn: str, declarant: Organisation) -> dict[str, Any]:
    """The declaration as lodged, in the DeclarationCreate JSON shape."""
    total = sum((line.declared.value for line in c.lines), Decimal(0))
    document: dict[str, Any] = {
        "type": "IM",
        "office": c.office,
        "lrn": lrn,
        "declarant": _party(declarant),
        "importer": _party(c.importer),
        "seller": {"id": c.seller.id, "name": c.seller.name, "country": c.seller.country},
        "buyer": _party(c.importer),
        "transport": _transport(c),
        "currency": c.currency,
        "incoterm": c.incoterm,
        "invoice_total": text(total),
    }
    if c.freight is not None:
        document["freight"] = text(c.freight)
    if c.insurance_rate is not None:
        # Insurance follows the declared invoice, so a forged invoice stays self-consistent.
        document["insurance"] = text(quantize_money(total * Decimal(str(c.insurance_rate)), c.currency))
    document["items"] = [_item(line) for line in c.lines]
    return document


def build_truth(c: Consignment) -> Truth:
    """The ground truth of a consignment: the fraud, the true items and the duty evaded."""
    impacts = [line_impact(line, c.currency) for line in c.lines]
    items = tuple(
        TrueItem(
            hs_code=line.true.hs_code,
            origin_country=line.true.origin,
            net_mass_kg=text(line.true.net_mass),
            quantity=text(line.true.quantity),
            value=text(line.true.value),
            revenue_impact=text(impact),
        )
        for line, impact in zip(c.lines, impacts, strict=True)
    )
    total = text(sum(impacts, Decimal(0)))
    return Truth(fraud_kind=c.fraud_kind, items=items, revenue_impact=total, concealed=c.concealed)
