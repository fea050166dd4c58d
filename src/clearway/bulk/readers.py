"""Reading bulk files into declaration records: CSV and XLSX (one row per item), JSON lines.

Nothing here touches the database. Every value stays text: CSV is read with the csv module
(never pandas), XLSX cells are converted one by one (numbers without float artefacts, leading
zeros restored from a `000000` number format), JSON lines are parsed as the API would parse them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import openpyxl

from clearway.bulk import columns
from clearway.bulk.schemas import RowError
from clearway.config import get_settings
from clearway.errors import Problem, ValidationFailed

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_ZEROS = re.compile(r"^0+$")


class UnusableInput(ValidationFailed):
    """The file cannot be imported at all: unknown format, unreadable, or missing columns."""

    def __init__(self, message: str):
        super().__init__([Problem("bulk.file_unusable", "", {"reason": message})], message)


@dataclass
class Record:
    """One declaration read from a file, and what is needed to point its errors at rows and columns."""

    row: int
    raw: Any
    flat: bool = False
    problems: list[RowError] = field(default_factory=list)
    item_rows: list[int] = field(default_factory=list)
    source: dict[str, int] = field(default_factory=dict)
    cells: dict[int, columns.Cells] = field(default_factory=dict)

    @property
    def lrn(self) -> str:
        """The local reference number, or an empty string."""
        lrn = self.raw.get("lrn") if isinstance(self.raw, dict) else None
        return lrn if isinstance(lrn, str) else ""

    def locate(self, pointer: str) -> tuple[int, str, str]:
        """The row, column and original value a JSON pointer in the document came from."""
        if not self.flat:
            return self.row, pointer, _text(_resolve(self.raw, pointer))
        item, column = columns.column_of(pointer)
        if item is not None and item < len(self.item_rows):
            row = self.item_rows[item]
        else:
            row = self.source.get(column, self.row)
        return row, column, self.cells.get(row, {}).get(column, "")


@dataclass
class Parsed:
    """The records of a file, its format and how many data rows (or lines) it had."""

    file_format: str
    rows: int
    records: list[Record]


def _resolve(doc: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 200 else text[:199] + "…"


def _number(value: int | float) -> str:
    """A number as Excel shows it: at most 15 significant digits, no exponent, no float artefacts."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    return format(Decimal(format(value, ".15g")), "f")


def cell_text(value: Any, number_format: str | None = None) -> str:
    """The text of an XLSX cell value; a `000000` number format restores leading zeros."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # Excel has no time zones: a naive time is taken as UTC
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | float):
        text = _number(value)
        if number_format and _ZEROS.match(number_format) and text.isdigit():
            text = text.zfill(len(number_format))
        return text
    return str(value).strip()


def _header(names: list[str]) -> list[str]:
    header = [name.strip().lower() for name in names]
    named = [name for name in header if name]
    if not named:
        raise UnusableInput("the first row must be a header naming the columns; it is empty")
    twice = sorted({name for name in named if named.count(name) > 1})
    unknown = [name for name in named if name not in columns.COLUMNS]
    missing = [name for name in columns.REQUIRED if name not in named]
    for problem, names_ in (("repeated", twice), ("unknown", unknown), ("missing required", missing)):
        if names_:
            raise UnusableInput(f"{problem} columns: {', '.join(names_)} "
                                "(see `clearway import declarations --help` for the column set)")
    return header


def _group(number: int, rows: list[tuple[int, columns.Cells]]) -> Record:
    values, source, conflicts = columns.header_values(rows)
    items = [(n, cells) for n, cells in rows if columns.has_item(cells)]
    record = Record(row=number, raw=columns.document_from(values, [c for _, c in items]), flat=True,
                    item_rows=[n for n, _ in items], source=source, cells=dict(rows))
    record.problems = [RowError(row=row, column=column, value=value, code="bulk.header_conflict",
                                params={"field": column, "first_row": first})
                       for row, column, value, first in conflicts]
    return record


def flat_records(table: list[list[str]], file_format: str) -> Parsed:
    """Records from a table whose first row is the header and whose other rows are items."""
    if not table:
        raise UnusableInput("the file is empty: the first row must be a header naming the columns")
    header = _header(table[0])
    groups: dict[str, list[tuple[int, columns.Cells]]] = {}
    count = 0
    for number, row in enumerate(table[1:], start=2):
        cells = {name: value.strip() for name, value in zip(header, row, strict=False) if name}
        if not any(cells.values()):
            continue
        count += 1
        groups.setdefault(cells.get("lrn") or f"\0{number}", []).append((number, cells))
    return Parsed(file_format, count, [_group(rows[0][0], rows) for rows in groups.values()])


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableInput(f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)") from None


def read_csv(data: bytes) -> Parsed:
    """Records of a CSV file; the delimiter (comma, semicolon or tab) is taken from the header."""
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        table = _rows_capped(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnusableInput(f"the file is not valid CSV: {exc}") from None
    return flat_records(table, "csv")


def _archive_check(data: bytes) -> None:
    """Refuse an XLSX whose archive would expand past the cap (a zip bomb), before any XML is parsed."""
    settings = get_settings()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnusableInput("the file is not a readable XLSX workbook") from None
    # zipfile never inflates a member past its declared size, so the declared sizes bound the work.
    expanded = sum(m.file_size for m in members)
    if len(members) > 10_000 or expanded > settings.bulk_max_expanded_bytes:
        raise UnusableInput(f"the workbook expands to {expanded} bytes, more than the "
                            f"{settings.bulk_max_expanded_bytes} accepted")


def _rows_capped(rows: Iterable[list[str]]) -> list[list[str]]:
    limit, table = get_settings().bulk_max_rows, []
    for row in rows:
        table.append(row)
        if len(table) > limit + 1:  # the header and `limit` rows
            raise UnusableInput(f"the file has more than {limit} rows")
    return table


# Wider than any header of the column set with room for blank columns; bounds the cells a row can cost.
MAX_COLUMNS = 256


def _sheet_table(sheet: Any) -> list[list[str]]:
    """The cells of a read-only worksheet as text, every row cut to the width of the header."""
    # openpyxl pads each row to the width the <dimension> tag claims (or to the row's last cell): a
    # kilobyte-sized file claiming 16,384 columns would cost 16,384 cells a row. Read the header first
    # without the claim, then every row at the header's width.
    sheet.reset_dimensions()
    first = next(sheet.iter_rows(min_row=1, max_row=1), ())
    named = [n for n, cell in enumerate(first, start=1) if cell_text(cell.value)]
    width = named[-1] if named else 1
    if width > MAX_COLUMNS:
        raise UnusableInput(f"the header spans {width} columns, more than the {MAX_COLUMNS} accepted")
    return _rows_capped([cell_text(cell.value, getattr(cell, "number_format", None)) for cell in row]
                        for row in sheet.iter_rows(min_row=1, min_col=1, max_col=width))


def read_xlsx(data: bytes) -> Parsed:
    """Records of the first worksheet of an XLSX workbook, cell by cell (size, rows and columns capped first)."""
    _archive_check(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            table = _sheet_table(book.worksheets[0])
        finally:
            book.close()
    except UnusableInput:
        raise
    except Exception:  # a broken archive or sheet means the same thing to the user
        raise UnusableInput("the file is not a readable XLSX workbook") from None
    return flat_records(table, "xlsx")


def read_jsonl(data: bytes) -> Parsed:
    """Records of a JSON lines file: one declaration document per non-blank line."""
    records: list[Record] = []
    for number, line in enumerate(_decode(data).split("\n"), start=1):
        if not line.strip():
            continue
        if len(records) >= get_settings().bulk_max_rows:
            raise UnusableInput(f"the file has more than {get_settings().bulk_max_rows} rows")
        try:
            records.append(Record(row=number, raw=json.loads(line)))
        except json.JSONDecodeError:
            records.append(Record(row=number, raw=None, problems=[
                RowError(row=number, column="", value=_text(line.strip()), code="body.malformed")]))
    return Parsed("jsonl", len(records), records)


def read_bytes(data: bytes, filename: str) -> Parsed:
    """The records of a file's bytes, its format chosen by the file name's extension."""
    suffix = PurePath(filename).suffix.lower()
    readers = {"csv": read_csv, "xlsx": read_xlsx, "jsonl": read_jsonl}
    if suffix not in FORMATS:
        raise UnusableInput(f"unknown file format {suffix or '(no extension)'!r}: "
                            "use .csv, .xlsx or .jsonl (JSON lines)")
    return readers[FORMATS[suffix]](data)
