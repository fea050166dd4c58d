"""The declaration document and the EU UCC data elements (the WCO Data Model as the EU implements it), both ways.

An EU H1 import declaration is written here as a mapping from data-element ids ("1/10", "3/15", ...) to values:
a party is {"name", "street", "postcode", "city", "country"} with its identification number under its own id, a
document list is [{"category", "type", "reference"}], the goods items are under "items". `from_ucc` gives the
Clearway document (validate it with DeclarationCreate), `to_ucc` gives the elements back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Party data elements: (document key, EU UCC element of the party, of its identification number).
PARTIES = (("exporter", "3/1", "3/2"), ("importer", "3/15", "3/16"), ("declarant", "3/17", "3/18"),
           ("representative", "3/19", "3/20"), ("seller", "3/24", "3/25"), ("buyer", "3/26", "3/27"))
ADDRESS = ("name", "street", "postcode", "city", "country")
# Header elements held as one value: (EU UCC element, path in the document).
HEADER = (("1/1", ("type",)), ("2/5", ("lrn",)), ("4/10", ("currency",)), ("4/11", ("invoice_total",)),
          ("5/23", ("goods_location",)), ("5/26", ("office",)), ("5/14", ("transport", "departure_country")),
          ("5/24", ("transport", "border_office")), ("7/4", ("transport", "mode")), ("7/14", ("transport", "means_id")),
          ("7/15", ("transport", "nationality")), ("7/10", ("containers",)), ("2/1", ("previous_documents",)),
          ("2/3", ("documents",)), ("1/11", ("procedure", "additional")))
# Goods item elements: (EU UCC element, path in the item).
ITEM = (("6/14", ("hs_code",)), ("6/8", ("description",)), ("5/16", ("origin_country",)), ("6/1", ("net_mass_kg",)),
        ("6/5", ("gross_mass_kg",)), ("6/2", ("quantity", "value")), ("6/10", ("packages", "count")),
        ("6/9", ("packages", "kind")), ("4/14", ("value",)), ("4/16", ("valuation_method",)),
        ("4/17", ("preference",)))
# Not a data element of its own in the EU set: the unit of the supplementary quantity (6/2 is counted in it).
UNIT = "6/2-unit"


def _get(source: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = source
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    if value is None:
        return
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def from_ucc(elements: Mapping[str, Any]) -> dict[str, Any]:
    """The Clearway declaration document of an EU declaration given by its UCC data elements."""
    doc: dict[str, Any] = {}
    for element, path in HEADER:
        _put(doc, path, elements.get(element))
    if (procedure := elements.get("1/10")) is not None:  # 4 digits: requested, then previous procedure
        _put(doc, ("procedure", "requested"), str(procedure)[:2])
        _put(doc, ("procedure", "previous"), str(procedure)[2:])
    if (terms := elements.get("4/1")) is not None:  # delivery terms: incoterm and the named place
        doc["incoterm"] = terms["incoterm"]
        _put(doc, ("delivery_place",), terms.get("place"))
    for key, element, id_element in PARTIES:
        if (party := elements.get(element)) is not None:
            doc[key] = {k: party[k] for k in ADDRESS if party.get(k) is not None}
            _put(doc, (key, "id"), elements.get(id_element))
    if (status := elements.get("3/21")) is not None:
        _put(doc, ("representative", "status"), status)
    doc["items"] = []
    for item in elements.get("items", []):
        out: dict[str, Any] = {}
        for element, path in ITEM:
            _put(out, path, item.get(element))
        _put(out, ("quantity", "unit"), item.get(UNIT))
        doc["items"].append(out)
    return doc


def to_ucc(document: Mapping[str, Any]) -> dict[str, Any]:
    """The EU UCC data elements of a Clearway declaration document (elements it has no value for are left out)."""
    out: dict[str, Any] = {}
    for element, path in HEADER:
        if (value := _get(document, path)) is not None:
            out[element] = value
    if (procedure := document.get("procedure")) is not None:
        out["1/10"] = procedure["requested"] + procedure["previous"]
    out["4/1"] = {"incoterm": document["incoterm"], **({"place": document["delivery_place"]}
                                                        if document.get("delivery_place") else {})}
    for key, element, id_element in PARTIES:
        if (party := document.get(key)) is not None:
            out[element] = {k: party[k] for k in ADDRESS if party.get(k) is not None}
            if party.get("id") is not None:
                out[id_element] = party["id"]
    if (representative := document.get("representative")) is not None:
        out["3/21"] = representative["status"]
    out["items"] = []
    for item in document.get("items", []):
        elements = {element: value for element, path in ITEM if (value := _get(item, path)) is not None}
        if (unit := _get(item, ("quantity", "unit"))) is not None:
            elements[UNIT] = unit
        out["items"].append(elements)
    return out
