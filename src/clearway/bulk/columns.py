"""The flat column set of CSV and XLSX bulk files: one row per goods item.

Rows sharing an `lrn` are the items of one declaration. The first row of the file is the header;
column names are matched case-insensitively, their order is free, unknown names are refused.

Declaration columns (read from the declaration's rows; they may be repeated on every row or left
empty after the first, but two different values are an error):
    lrn, type, office,
    declarant_id, declarant_name, declarant_country, declarant_address,
    importer_*, exporter_*, seller_*, buyer_* (the same four: id, name, country, address),
    transport_mode, border_office, means_id, departure_country, arrival, departure,
    currency, incoterm, invoice_total, freight, insurance
Item columns (one item per row):
    hs_code, description, origin_country, net_mass_kg, gross_mass_kg,
    quantity, quantity_unit, packages, package_kind, value, preference, origin_proof
Required columns: lrn, type, office, declarant_id, declarant_name, declarant_country,
    transport_mode, border_office, currency, incoterm, hs_code, description, origin_country,
    net_mass_kg, quantity, quantity_unit, value

Every value is kept as text: codes keep their leading zeros and amounts their digits. An empty
cell is an absent field; a party whose cells are all empty is absent.
"""

from __future__ import annotations

from typing import Any

PARTIES = ("declarant", "importer", "exporter", "seller", "buyer")
PARTY_FIELDS = ("id", "name", "country", "address")

HEADER: dict[str, tuple[str, ...]] = {
    "lrn": ("lrn",), "type": ("type",), "office": ("office",),
    **{f"{role}_{name}": (role, name) for role in PARTIES for name in PARTY_FIELDS},
    "transport_mode": ("transport", "mode"), "border_office": ("transport", "border_office"),
    "means_id": ("transport", "means_id"), "departure_country": ("transport", "departure_country"),
    "arrival": ("transport", "arrival"), "departure": ("transport", "departure"),
    "currency": ("currency",), "incoterm": ("incoterm",), "invoice_total": ("invoice_total",),
    "freight": ("freight",), "insurance": ("insurance",),
}
ITEM: dict[str, tuple[str, ...]] = {
    "hs_code": ("hs_code",), "description": ("description",), "origin_country": ("origin_country",),
    "net_mass_kg": ("net_mass_kg",), "gross_mass_kg": ("gross_mass_kg",),
    "quantity": ("quantity", "value"), "quantity_unit": ("quantity", "unit"),
    "packages": ("packages", "count"), "package_kind": ("packages", "kind"),
    "value": ("value",), "preference": ("preference",), "origin_proof": ("origin_proof",),
}
COLUMNS = (*HEADER, *ITEM)
REQUIRED = (
    "lrn", "type", "office", "declarant_id", "declarant_name", "declarant_country", "transport_mode",
    "border_office", "currency", "incoterm", "hs_code", "description", "origin_country", "net_mass_kg",
    "quantity", "quantity_unit", "value",
)

Cells = dict[str, str]


def _put(doc: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    for key in path[:-1]:
        doc = doc.setdefault(key, {})
    doc[path[-1]] = value


def header_values(rows: list[tuple[int, Cells]]) -> tuple[Cells, dict[str, int], list[tuple[int, str, str, int]]]:
    """The declaration cells of a group of rows, the row each came from, and conflicting cells."""
    values: Cells = {}
    source: dict[str, int] = {}
    conflicts: list[tuple[int, str, str, int]] = []  # (row, column, value, row of the first value)
    for number, cells in rows:
        for column in HEADER:
            value = cells.get(column, "")
            if not value:
                continue
            if column not in values:
                values[column], source[column] = value, number
            elif value != values[column]:
                conflicts.append((number, column, value, source[column]))
    return values, source, conflicts


def document_from(values: Cells, items: list[Cells]) -> dict[str, Any]:
    """The declaration document (DeclarationCreate shape) of declaration cells and item rows."""
    doc: dict[str, Any] = {}
    for column, path in HEADER.items():
        if values.get(column):
            _put(doc, path, values[column])
    doc["items"] = []
    for cells in items:
        item: dict[str, Any] = {}
        for column, path in ITEM.items():
            if cells.get(column):
                _put(item, path, cells[column])
        doc["items"].append(item)
    return doc


def has_item(cells: Cells) -> bool:
    """True when a row fills at least one item column."""
    return any(cells.get(column) for column in ITEM)


def _column_for(table: dict[str, tuple[str, ...]], path: tuple[str, ...]) -> str | None:
    for column, known in table.items():
        if known == path:
            return column
    for column, known in table.items():  # a whole object, e.g. /importer or /items/0/quantity
        if known[: len(path)] == path:
            return column
    for column, known in table.items():  # deeper than any column: the column holding its parent
        if path[: len(known)] == known:
            return column
    return None


def column_of(pointer: str) -> tuple[int | None, str]:
    """The item index (None for declaration fields) and column a JSON pointer in a document maps to."""
    parts = tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])
    if not parts:
        return None, ""
    if parts[0] != "items":
        return None, _column_for(HEADER, parts) or pointer
    index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return index, (_column_for(ITEM, parts[2:]) if len(parts) > 2 else None) or "hs_code"


def _get(doc: Any, path: tuple[str, ...]) -> str:
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return "" if doc is None else str(doc)


def rows_from(doc: dict[str, Any]) -> list[Cells]:
    """The rows of a declaration document, one per item, declaration cells repeated on each."""
    head = {column: _get(doc, path) for column, path in HEADER.items()}
    return [{**head, **{column: _get(item, path) for column, path in ITEM.items()}}
            for item in doc.get("items", [])]
