"""Relief consignments (RKC Specific Annex J, Chapter 5): a simplified declaration while a relief profile is in
force for the office and goods. It becomes a full declaration document and goes through lodging like any
other, so rules and watchlists still apply (a mandatory control is never lightened, see crisis.emergency);
outside a relief emergency it is refused with coded problems, and the trader lodges a full declaration.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from clearway.crisis import selectors
from clearway.crisis.models import EmergencyProfile
from clearway.crisis.schemas import ReliefCreate
from clearway.errors import Conflict, Problem
from clearway.reference.service import offices

NET_SHARE = Decimal("0.9")  # the net mass a simplified declaration leaves out, taken as 90 % of the gross


class ReliefNotInForce(Conflict):
    """A simplified relief declaration while no relief profile covers the office or the goods."""

    slug = "crisis-relief-not-in-force"
    title_code = "problem.crisis_relief_not_in_force"


def relief_document(*, draft: ReliefCreate, declarant: str, now: datetime) -> dict[str, Any]:
    """The full declaration document a simplified relief declaration stands for."""
    office = offices().get(draft.office)
    party = {"id": declarant, "name": draft.consignee, "country": office.country if office else "KR"}
    items = [{"hs_code": i.hs_code, "description": i.description, "origin_country": i.origin_country,
              "net_mass_kg": format((Decimal(i.gross_mass_kg) * NET_SHARE).quantize(Decimal("0.001")), "f"),
              "gross_mass_kg": i.gross_mass_kg, "quantity": {"value": str(i.packages), "unit": "NAR"},
              "packages": {"count": i.packages, "kind": "PK"}, "value": i.value} for i in draft.items]
    transport: dict[str, Any] = {"mode": draft.transport_mode, "border_office": draft.office,
                                 "departure_country": draft.consignor.country,
                                 "arrival": now.isoformat().replace("+00:00", "Z")}
    if draft.means_id:
        transport["means_id"] = draft.means_id
    total = sum((Decimal(i.value) for i in draft.items), Decimal("0"))
    return {"type": "IM", "office": draft.office, "lrn": draft.lrn, "declarant": party, "importer": party,
            "buyer": party, "seller": {"name": draft.consignor.name, "country": draft.consignor.country},
            "transport": transport, "currency": draft.currency, "incoterm": "DAP",
            "invoice_total": format(total.quantize(Decimal("0.01")), "f"), "items": items}


def relief_profile(*, db: Session, doc: dict[str, Any], now: datetime) -> EmergencyProfile:
    """The relief profile in force for the document's office and every one of its items, or ReliefNotInForce."""
    office = str(doc["office"])
    profiles = [p for p in selectors.emergency_active(db=db, now=now, office=office) if p.kind == "relief"]
    if not profiles:
        raise ReliefNotInForce([Problem("crisis.relief_not_in_force", "/office", {"office": office})])
    outside, covering = [], set(profiles)
    for n, item in enumerate(doc["items"]):
        matching = set(selectors.emergency_active(db=db, now=now, office=office, doc={**doc, "items": [item]}))
        if not matching & set(profiles):
            outside.append(Problem("crisis.relief_goods_outside", f"/items/{n}/hs_code", {"hs_code": item["hs_code"]}))
        covering &= matching
    if outside:
        raise ReliefNotInForce(outside)
    return min(covering or profiles, key=lambda p: p.id)
