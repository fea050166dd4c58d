"""Declaration rules beyond the schema: codes that must exist, quantities that must add up.

The rules read the raw document tolerantly, so a document with schema errors still gets every
other problem reported in the same answer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from clearway.declarations.schemas import DeclarationCreate
from clearway.errors import Problem
from clearway.problems import from_pydantic
from clearway.reference import service as ref


def _dec(value: Any) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# Minus signs one may type or paste instead of "-": figure dash, en dash, minus, small and full-width hyphen-minus.
_MINUS = {ord(c): "-" for c in "\u2012\u2013\u2212\ufe63\uff0d"}


def _signed(value: Any) -> Decimal | None:
    """A number as a person or a client may write it (a JSON number, a typographic minus, a decimal comma), for
    the sign rules only: "-5", -5 and "−5,5" are all negative masses, whatever else is wrong with how they are
    written (the format rule says that once the sign is right)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    return _dec(value.strip().translate(_MINUS).replace(",", "."))


def _d(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _code_in(problems: list[Problem], value: Any, known: Any, code: str, ptr: str) -> None:
    if isinstance(value, str) and value not in known:
        problems.append(Problem(code, ptr, {"value": value}))


def _parties(doc: dict[str, Any], declarant_code: str, problems: list[Problem]) -> None:
    for role in ("declarant", "importer", "exporter", "seller", "buyer"):
        _code_in(problems, _d(_d(doc, role), "country"), ref.countries(), "country.unknown", f"/{role}/country")
    kind = doc.get("type")
    if kind == "IM" and doc.get("importer") is None:
        problems.append(Problem("party.required", "/importer", {"role": "importer"}))
    if kind == "EX" and doc.get("exporter") is None:
        problems.append(Problem("party.required", "/exporter", {"role": "exporter"}))
    declarant_id = _d(doc.get("declarant"), "id")
    if isinstance(declarant_id, str) and declarant_id != declarant_code:
        problems.append(Problem("party.declarant_mismatch", "/declarant/id", {"value": declarant_id}))
    elif isinstance(doc.get("declarant"), dict) and declarant_id is None:
        problems.append(Problem("party.declarant_id_required", "/declarant/id", {}))


def _header(doc: dict[str, Any], problems: list[Problem]) -> None:
    _code_in(problems, doc.get("office"), ref.offices(), "office.unknown", "/office")
    _code_in(problems, doc.get("currency"), ref.trade_currencies(), "currency.unknown", "/currency")
    _code_in(problems, doc.get("incoterm"), ref.incoterms(), "incoterm.unknown", "/incoterm")
    transport = doc.get("transport")
    _code_in(problems, _d(transport, "mode"), ref.transport_modes(), "transport.mode_unknown", "/transport/mode")
    _code_in(problems, _d(transport, "border_office"), ref.offices(), "office.unknown", "/transport/border_office")
    _code_in(problems, _d(transport, "departure_country"), ref.countries(), "country.unknown",
             "/transport/departure_country")


def _item(item: Any, i: int, on: date, problems: list[Problem]) -> Decimal | None:
    if not isinstance(item, dict):
        return None
    at = f"/items/{i}"
    hs = item.get("hs_code")
    edition = ref.hs_edition_on(on)
    if isinstance(hs, str) and hs[:6].isdigit() and len(hs) >= 6:
        if edition is None:
            problems.append(Problem("hs_code.no_edition", f"{at}/hs_code", {"date": on.isoformat()}))
        elif hs[:6] not in edition.codes or edition.codes[hs[:6]][0] != 6:
            problems.append(Problem("hs_code.unknown", f"{at}/hs_code",
                                    {"value": hs, "edition": edition.name, "date": on.isoformat()}))
    _code_in(problems, item.get("origin_country"), ref.countries(), "country.unknown", f"{at}/origin_country")
    net = _dec(item.get("net_mass_kg"))
    signed = _signed(item.get("net_mass_kg"))
    if signed is not None and signed <= 0:
        problems.append(Problem("mass.not_positive", f"{at}/net_mass_kg", {"value": str(item["net_mass_kg"])}))
    gross = _dec(item.get("gross_mass_kg"))
    if gross is not None and net is not None and gross < net:
        problems.append(Problem("mass.gross_below_net", f"{at}/gross_mass_kg", {"value": item["gross_mass_kg"]}))
    quantity = item.get("quantity")
    _code_in(problems, _d(quantity, "unit"), ref.quantity_units(), "quantity.unit_unknown", f"{at}/quantity/unit")
    qty = _signed(_d(quantity, "value"))
    if qty is not None and qty <= 0:
        problems.append(Problem("quantity.not_positive", f"{at}/quantity/value",
                                {"value": str(_d(quantity, "value"))}))
    _code_in(problems, _d(item.get("packages"), "kind"), ref.package_kinds(), "packages.kind_unknown",
             f"{at}/packages/kind")
    return _dec(item.get("value"))


def _items(doc: dict[str, Any], on: date, problems: list[Problem]) -> None:
    items = doc.get("items")
    if not isinstance(items, list):
        return
    values = [_item(item, i, on, problems) for i, item in enumerate(items[:999])]
    total = _dec(doc.get("invoice_total"))
    known = [v for v in values if v is not None]
    if total is not None and values and len(known) == len(values):
        declared = sum(known, Decimal(0))
        if declared != total:
            problems.append(Problem("totals.mismatch", "/invoice_total",
                                    {"value": str(total), "items_sum": str(declared)}))


def rules_check(*, raw: Any, declarant_code: str, on: date) -> list[Problem]:
    """Every rule beyond the schema that the document breaks, read tolerantly from raw JSON."""
    if not isinstance(raw, dict):
        return []
    problems: list[Problem] = []
    _header(raw, problems)
    _parties(raw, declarant_code, problems)
    _items(raw, on, problems)
    return problems


def document_check(
    *, raw: Any, declarant_code: str, on: date, model: type[DeclarationCreate] = DeclarationCreate
) -> tuple[DeclarationCreate | None, list[Problem]]:
    """Parse and check a raw document; the parsed model is returned only when nothing is wrong."""
    if not isinstance(raw, dict):
        return None, [Problem("body.not_object", "", {})]
    parsed: DeclarationCreate | None = None
    try:
        parsed = model.model_validate(raw)
        problems: list[Problem] = []
    except ValidationError as exc:
        problems = from_pydantic([dict(e) for e in exc.errors()])
    rules = rules_check(raw=raw, declarant_code=declarant_code, on=on)
    # A rule that names the same field says more than the format error ("-1.5" is a number, only not positive).
    ruled = {p.pointer for p in rules if p.code.endswith(".not_positive")}
    problems = [p for p in problems if not (p.code in ("decimal.format", "field.type") and p.pointer in ruled)] + rules
    return (parsed if not problems else None), problems
