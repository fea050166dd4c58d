"""Reading bulk files: values stay text, columns map both ways, unusable files are refused."""

from __future__ import annotations

from datetime import datetime

import pytest

from clearway.bulk.columns import column_of, document_from, header_values
from clearway.bulk.readers import UnusableInput, cell_text, read_bytes
from clearway.declarations.schemas import DeclarationCreate
from tests.bulk.files import csv_bytes, flat, two_items


@pytest.mark.parametrize(("value", "number_format", "text"), [
    (851713, "General", "851713"),
    (10121, "000000", "010121"),
    (12500.5, "General", "12500.5"),
    (12500.0, "#,##0.00", "12500"),
    (0.1 + 0.2, "General", "0.3"),
    (1e20, "General", "100000000000000000000"),
    (0.0000001, "General", "0.0000001"),
    ("  0123 ", "@", "0123"),
    (None, "General", ""),
    (datetime(2026, 11, 20, 8, 30), "yyyy-mm-dd hh:mm", "2026-11-20T08:30:00+00:00"),
])
def test_xlsx_cells_become_text_without_float_artefacts(value, number_format, text):
    assert cell_text(value, number_format) == text


def test_a_document_survives_flattening_to_rows_and_back():
    doc = two_items()
    rows = [(n, row) for n, row in enumerate(flat([doc]), start=2)]
    values, _, conflicts = header_values(rows)
    rebuilt = document_from(values, [row for _, row in rows])
    assert conflicts == []
    packages = rebuilt["items"][0].pop("packages")
    assert packages == {"count": "25", "kind": "CT"}  # a count stays text until the schema reads it
    assert DeclarationCreate.model_validate(rebuilt) == DeclarationCreate.model_validate(
        {**doc, "items": [{k: v for k, v in doc["items"][0].items() if k != "packages"}, doc["items"][1]]})


@pytest.mark.parametrize(("pointer", "expected"), [
    ("/lrn", (None, "lrn")),
    ("/declarant/id", (None, "declarant_id")),
    ("/transport/mode", (None, "transport_mode")),
    ("/importer", (None, "importer_id")),
    ("/items/2/quantity/value", (2, "quantity")),
    ("/items/0/packages/kind", (0, "package_kind")),
    ("/items/1", (1, "hs_code")),
    ("/items", (None, "hs_code")),
    ("", (None, "")),
])
def test_pointers_map_back_to_columns(pointer, expected):
    assert column_of(pointer) == expected


def test_csv_with_semicolons_bom_and_mixed_case_header():
    rows = flat([two_items()])
    data = "\ufeff".encode() + csv_bytes([{k.upper(): v for k, v in r.items()} for r in rows], ";")
    parsed = read_bytes(data, "Export.CSV")
    (record,) = parsed.records
    assert (parsed.file_format, parsed.rows, record.item_rows) == ("csv", 2, [2, 3])
    assert record.raw["items"][1]["hs_code"] == "640399"


@pytest.mark.parametrize(("data", "name", "says"), [
    (b"lrn,type\nA,IM\n", "a.csv", "missing required columns: office, declarant_id"),
    (csv_bytes([{**flat([two_items()])[0], "hscode": "1"}]), "a.csv", "unknown columns: hscode"),
    (b"", "a.csv", "the file is empty"),
    (b"\xff\xfe,x", "a.csv", "not UTF-8"),
    (b"not a zip", "a.xlsx", "not a readable XLSX workbook"),
    (b"{}", "a.json", "unknown file format '.json'"),
])
def test_unusable_files_are_refused_with_a_reason(data, name, says):
    with pytest.raises(UnusableInput) as caught:
        read_bytes(data, name)
    assert says in str(caught.value.detail)
