"""Building bulk files and reading back what an import stored."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import func, select

from clearway.bulk.columns import rows_from
from tests.factories import document

SECOND_ITEM = {"hs_code": "640399", "description": "Leather shoes", "origin_country": "VN",
               "net_mass_kg": "12", "quantity": {"value": "40", "unit": "PR"}, "value": "500.00"}


def two_items(**overrides: Any) -> dict[str, Any]:
    """A valid document with two items whose values add up to the invoice total."""
    doc = document(invoice_total="13000.00", **overrides)
    doc["items"].append(dict(SECOND_ITEM))
    return doc


def flat(docs: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The item rows of documents."""
    return [row for doc in docs for row in rows_from(doc)]


def csv_bytes(rows: list[dict[str, str]], delimiter: str = ",") -> bytes:
    """A CSV file of rows, header first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write rows as a CSV file."""
    path.write_bytes(csv_bytes(rows))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], formats: dict[str, str] | None = None) -> Path:
    """Write a header and rows (values as given) as the first sheet of a workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    book.save(path)
    return path


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """Write one JSON document (or raw text) per line."""
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def stored() -> dict[str, Any]:
    """The documents stored per LRN, and the number of import records."""
    from clearway.bulk.models import BulkImport
    from clearway.db import get_sessionmaker
    from clearway.declarations.models import Declaration

    with get_sessionmaker()() as db:
        docs = {d.lrn: d.document for d in db.scalars(select(Declaration))}
        return {"docs": docs, "imports": db.scalar(select(func.count()).select_from(BulkImport))}


def principal(username: str) -> Any:
    """The principal of a demo user."""
    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        return principal_of(db.scalar(select(User).where(User.username == username)))
