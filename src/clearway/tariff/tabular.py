"""Reading CSV and XLSX files into rows of strings, and the row-level error every import reports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from clearway.tariff.messages import message


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an imported file: spreadsheet row number (header is 1), column, value, code."""

    row: int
    column: str
    value: str
    code: str
    message: str

    @classmethod
    def of(cls, row: int, column: str, value: str, code: str, /, **params: Any) -> RowError:
        """An error with its English message filled in from the tariff catalogue."""
        return cls(row, column, value[:100], code, message(code, "en", column=column, value=value, **params))


class FileUnreadable(Exception):
    """The file is not a CSV or XLSX table we can read."""


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and column == "code":
        # Spreadsheets drop leading zeros of numeric codes; HS codes have an even number of digits.
        text = str(value)
        return text.zfill(len(text) + len(text) % 2)
    return str(value).strip()


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of the first sheet of an XLSX file or of a CSV file, all values as text."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = path.read_text("utf-8-sig")
            reader = csv.DictReader(io.StringIO(text))
            header = [h.strip() for h in reader.fieldnames or []]
            rows = [{h: (v or "").strip() for h, v in zip(header, r.values(), strict=False)} for r in reader]
            return header, rows
        if suffix == ".xlsx":
            return _read_xlsx(path)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as exc:
        raise FileUnreadable(str(exc)) from exc
    raise FileUnreadable(f"unsupported file type {suffix!r}: use .csv or .xlsx")


def _read_xlsx(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import openpyxl  # imported here: only XLSX imports pay for it

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it, ())]
        rows = [{h: _cell(v, h) for h, v in zip(header, values, strict=False)} for values in it
                if any(v is not None for v in values)]
        return header, rows
    finally:
        book.close()


def parse_decimal(text: str) -> Decimal | None:
    """A non-negative finite Decimal, or None when the text is not one."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def parse_date(text: str) -> date | None:
    """An ISO 8601 calendar date, or None."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
