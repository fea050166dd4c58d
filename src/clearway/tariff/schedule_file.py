"""Validating the rows of a schedule file into lines and measures, with row-level errors.

Columns: record, code, description, unit, basis, rate_pct, amount, currency, per_unit, agreement,
agency, valid_from, valid_to, ref, legal_basis. `record` is `line` for a national line (8 or 10
digits extending an HS 2022 subheading) or a measure kind (duty, excise, vat, prohibition,
restriction) attached to a line or to an HS 2022 chapter, heading or subheading. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise

from clearway.reference import service as reference
from clearway.tariff.snapshot import BASES, CONTROL_KINDS, KINDS, Measure
from clearway.tariff.tabular import RowError, parse_date, parse_decimal

COLUMNS = ("record", "code", "description", "unit", "basis", "rate_pct", "amount", "currency", "per_unit",
           "agreement", "agency", "valid_from", "valid_to", "ref", "legal_basis")
REQUIRED_COLUMNS = ("record", "code", "valid_from")
_PCT_BASES = ("ad_valorem", "compound", "mixed_max", "mixed_min")
_SPECIFIC_BASES = ("specific", "compound", "mixed_max", "mixed_min")
HS_REFERENCE_DAY = date(2022, 1, 1)  # national lines extend HS 2022


@dataclass
class ParsedSchedule:
    """The lines and measures of a schedule file, and every row error found."""

    lines: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # code -> (description, unit)
    measures: list[Measure] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _Row:
    """One row being checked: reads columns, records errors against the row number."""

    def __init__(self, number: int, values: dict[str, str], errors: list[RowError]):
        self.number, self.values, self.errors = number, values, errors

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.values.get(column, "") or ""
        if not value and required:
            self.fail(column, "import_required")
        return value or None

    def fail(self, column: str, code: str, **params: object) -> None:
        self.errors.append(RowError.of(self.number, column, self.values.get(column, "") or "",
                                       f"tariff.{code}", **params))

    def decimal(self, column: str, required: bool) -> Decimal | None:
        text = self.text(column, required)
        value = parse_decimal(text) if text else None
        if text and value is None:
            self.fail(column, "import_decimal")
        return value

    def day(self, column: str, required: bool) -> date | None:
        text = self.text(column, required)
        value = parse_date(text) if text else None
        if text and value is None:
            self.fail(column, "import_date")
        return value

    def choice(self, column: str, allowed: Container[str], required: bool = False) -> str | None:
        text = self.text(column, required)
        if text and text not in allowed:
            self.fail(column, "import_choice")
            return None
        return text


def parse_schedule(rows: list[dict[str, str]], header: list[str]) -> ParsedSchedule:
    """Check every row of a schedule file; measures on unknown codes are reported once lines are known."""
    parsed = ParsedSchedule()
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        parsed.errors.append(RowError.of(1, ",".join(missing), "", "tariff.import_header"))
        return parsed
    hs = reference.hs_edition_on(HS_REFERENCE_DAY)
    hs_codes = hs.codes if hs else {}
    pending: list[tuple[int, Measure]] = []
    for number, values in enumerate(rows, start=2):
        row = _Row(number, values, parsed.errors)
        record = row.choice("record", ("line", *KINDS), required=True)
        if record == "line":
            _line(row, parsed, hs_codes)
        elif record:
            measure = _measure(row, record)
            if measure is not None:
                pending.append((number, measure))
    seen_refs: set[str] = set()
    national = set(parsed.lines) | {code[:8] for code in parsed.lines}
    for number, m in pending:
        row = _Row(number, {"code": m.code, "ref": m.id}, parsed.errors)
        if m.code not in national and not (len(m.code) <= 6 and m.code in hs_codes):
            row.fail("code", "import_unknown_code")
        elif m.id in seen_refs:
            row.fail("ref", "import_duplicate")
        else:
            seen_refs.add(m.id)
            parsed.measures.append(m)
    _overlaps(pending, parsed)
    if not parsed.lines and not parsed.errors:
        parsed.errors.append(RowError.of(1, "record", "", "tariff.import_empty"))
    parsed.errors.sort(key=lambda e: (e.row, e.column))
    return parsed


def _line(row: _Row, parsed: ParsedSchedule, hs_codes: dict[str, tuple[int, str, str]]) -> None:
    code = row.text("code", required=True)
    description = row.text("description", required=True)
    unit = row.choice("unit", reference.quantity_units())
    if not code:
        return
    if not code.isdigit() or len(code) not in (8, 10):
        row.fail("code", "import_line_format")
    elif code[:6] not in hs_codes:
        row.fail("code", "import_unknown_hs")
    elif code in parsed.lines:
        row.fail("code", "import_duplicate")
    elif description:
        parsed.lines[code] = (description, unit)


def _measure(row: _Row, kind: str) -> Measure | None:
    errors_before = len(row.errors)
    code = row.text("code", required=True)
    if code and (not code.isdigit() or len(code) not in (2, 4, 6, 8, 10)):
        row.fail("code", "import_code_format")
    controls = kind in CONTROL_KINDS
    basis = None if controls else row.choice("basis", BASES, required=True)
    pct = row.decimal("rate_pct", basis in _PCT_BASES)
    amount = row.decimal("amount", basis in _SPECIFIC_BASES)
    per_unit = row.choice("per_unit", reference.quantity_units(), basis in _SPECIFIC_BASES)
    currency = row.choice("currency", reference.currencies())
    agreement = row.text("agreement")
    if agreement and kind != "duty":
        row.fail("agreement", "import_agreement_kind")
    agency = row.text("agency", kind == "restriction")
    valid_from, valid_to = row.day("valid_from", True), row.day("valid_to", False)
    if valid_from and valid_to and valid_to < valid_from:
        row.fail("valid_to", "import_date_range")
    if len(row.errors) > errors_before or not code or valid_from is None:
        return None
    ref = row.text("ref") or f"{code}-{kind}-{agreement or agency or 'GEN'}-{valid_from:%Y%m%d}"
    return Measure(ref, code, kind, valid_from, valid_to, basis, pct, amount, currency, per_unit, agreement,
                   agency, row.text("legal_basis") or "")


def _overlaps(pending: list[tuple[int, Measure]], parsed: ParsedSchedule) -> None:
    """Two measures of the same code, kind and agreement (or agency) may not be in force on one day."""
    groups: dict[tuple[str, str, str | None], list[tuple[int, Measure]]] = {}
    for number, m in pending:
        groups.setdefault((m.code, m.kind, m.agreement or m.agency), []).append((number, m))
    for group in groups.values():
        group.sort(key=lambda nm: nm[1].valid_from)
        for (_, earlier), (number, later) in pairwise(group):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                _Row(number, {"valid_from": later.valid_from.isoformat()}, parsed.errors).fail(
                    "valid_from", "import_overlap", ref=earlier.id)
