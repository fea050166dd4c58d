"""The declaration form: field names are JSON pointers, so a problem's pointer names its field.

`document_from_form` turns posted fields into the same raw document the JSON API receives;
`values_of` turns a document back into field values; `errors_placed` puts each problem next to
the field its pointer names (or the nearest one), and lists them all for the summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from clearway.errors import Problem
from clearway.i18n import translate

MAX_FORM_ITEMS = 200
PARTIES = ("declarant", "importer", "exporter", "seller", "buyer")
HEADER = ("type", "office", "lrn", "currency", "incoterm", "invoice_total", "freight", "insurance")
PARTY = ("id", "name", "country", "address")
TRANSPORT = ("mode", "border_office", "means_id", "departure_country", "arrival", "departure")
ITEM = ("hs_code", "description", "origin_country", "net_mass_kg", "gross_mass_kg", "quantity/value",
        "quantity/unit", "packages/count", "packages/kind", "value", "preference", "origin_proof")
DATETIMES = ("/transport/arrival", "/transport/departure")
_STATIC = ([f"/{f}" for f in HEADER[:3]] + [f"/{p}/{f}" for p in PARTIES for f in PARTY]
           + [f"/transport/{f}" for f in TRANSPORT] + [f"/{f}" for f in HEADER[3:]])


@dataclass
class FormErrors:
    """Messages by field pointer, and the summary shown at the top of the form."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (anchor, where, message)


def field_id(pointer: str) -> str:
    """The HTML id of the field (or group) a pointer names."""
    return "f" + pointer.replace("/", "-") if pointer else "form-errors"


def field_pointers(item_count: int) -> list[str]:
    """Every field of the form, in page order."""
    items = [f"/items/{i}/{f}" for i in range(item_count) for f in ITEM]
    return _STATIC + items


def _utc_text(value: str) -> str:
    """A datetime-local value (read as UTC) as RFC 3339; anything else unchanged."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment.tzinfo is None else value


def _local_text(value: str) -> str:
    """An RFC 3339 value in the form a datetime-local field shows (UTC)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M")


def _put(target: dict[str, Any], parts: list[str], value: str) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def item_count_of(form: Mapping[str, Any]) -> int:
    """How many item rows the posted form had (1 to MAX_FORM_ITEMS)."""
    raw = form.get("item_count")
    count = int(raw) if isinstance(raw, str) and raw.isdigit() else 1
    return max(1, min(count, MAX_FORM_ITEMS))


def document_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The raw document a posted form describes; item rows kept in place, empty ones as {}."""
    count = item_count_of(form)
    doc: dict[str, Any] = {}
    items: list[dict[str, Any]] = [{} for _ in range(count)]
    static, item_fields = set(_STATIC), set(ITEM)
    for name, value in form.items():
        if not isinstance(value, str) or not (value := value.strip()):
            continue
        parts = name[1:].split("/")
        if name in static:
            _put(doc, parts, _utc_text(value) if name in DATETIMES else value)
        elif parts[0] == "items" and len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < count \
                and "/".join(parts[2:]) in item_fields:
            _put(items[int(parts[1])], parts[2:], value)
    doc["items"] = items
    return doc


def without_empty_items(doc: dict[str, Any]) -> dict[str, Any]:
    """The document to lodge: item rows left blank are dropped."""
    return {**doc, "items": [item for item in doc.get("items", []) if item]}


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    return str(value)


def values_of(doc: Any) -> tuple[dict[str, str], int]:
    """Field values for a document (e.g. an uploaded one) and its number of item rows."""
    if not isinstance(doc, dict):
        return {}, 1
    raw_items = doc.get("items")
    count = max(1, min(len(raw_items) if isinstance(raw_items, list) else 0, MAX_FORM_ITEMS))
    values: dict[str, str] = {}
    for pointer in field_pointers(count):
        node: Any = doc
        for part in pointer[1:].split("/"):
            node = node[int(part)] if isinstance(node, list) and part.isdigit() and int(part) < len(node) \
                else node.get(part) if isinstance(node, dict) else None
        text = _text(node)
        if text is not None:
            values[pointer] = _local_text(text) if pointer in DATETIMES else text
    return values, count


def _target(pointer: str, fields: list[str]) -> str:
    """The field a problem is shown next to: the one named, its first sub-field, or the nearest parent's."""
    while pointer:
        if pointer in fields:
            return pointer
        inside = next((f for f in fields if f.startswith(pointer + "/")), None)
        if inside:
            return inside
        pointer = pointer.rsplit("/", 1)[0]
    return ""


def label_key(pointer: str) -> str:
    """The catalogue key of a field's label: indices dropped, parties share their labels."""
    parts = [p for p in pointer.strip("/").split("/") if p and not p.isdigit()]
    if parts and parts[0] in PARTIES and len(parts) > 1:
        parts[0] = "party"
    return "ui.field." + ".".join(parts)


def where(pointer: str, locale: str) -> str:
    """The section a field belongs to (a party, the transport, item n), or "" for header fields."""
    parts = pointer.strip("/").split("/")
    if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit():
        return translate("ui.form.item_n", locale, n=int(parts[1]) + 1)
    if parts[0] in (*PARTIES, "transport"):
        return translate("ui.section." + parts[0], locale)
    return ""


def message(problem: Problem, locale: str) -> str:
    """A problem's message in a locale, naming the field by its label rather than its JSON name."""
    params = dict(problem.params)
    if "field" in params and problem.pointer:
        key = label_key(problem.pointer)
        if translate(key, locale) != key:
            params["field"] = translate(key, locale)
    return translate(problem.code, locale, **params)


def errors_placed(problems: Iterable[Problem], locale: str, item_count: int) -> FormErrors:
    """Each problem next to its field, and all of them in page order for the summary."""
    fields = field_pointers(item_count)
    order = {pointer: i for i, pointer in enumerate(fields)}
    placed = FormErrors()
    entries = []
    for problem in problems:
        target = _target(problem.pointer, fields)
        text = message(problem, locale)
        placed.by_field.setdefault(target, []).append(text)
        entries.append((order.get(target, -1), field_id(target), where(problem.pointer, locale), text))
    placed.summary = [entry[1:] for entry in sorted(entries, key=lambda e: e[0])]
    return placed
