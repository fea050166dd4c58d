"""Importing declaration files through the bulk service."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from clearway.bulk.columns import COLUMNS
from clearway.bulk.service import bulk_import, errors_csv, message
from tests.bulk.files import flat, principal, stored, two_items, write_csv, write_jsonl, write_xlsx
from tests.factories import document, wiring

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def run(actor, path: Path, dry_run: bool = False, **kw):  # type: ignore[no-untyped-def]
    from clearway.db import get_sessionmaker

    return bulk_import(db_factory=get_sessionmaker(), wiring=wiring(), actor=actor, path=path, dry_run=dry_run,
                       now=NOW, **kw)


def test_csv_rows_sharing_an_lrn_become_one_declaration_with_its_items(trader_a, tmp_path):
    first, second = two_items(), document()
    report = run(trader_a, write_csv(tmp_path / "in.csv", flat([first, second])))
    assert (report.declarations, report.rows, report.accepted, report.rejected) == (2, 3, 2, 0)
    docs = stored()["docs"]
    assert [i["hs_code"] for i in docs[first["lrn"]]["items"]] == ["851713", "640399"]
    assert docs[first["lrn"]]["items"][1]["quantity"] == {"value": "40", "unit": "PR"}
    assert len(docs[second["lrn"]]["items"]) == 1
    assert {x.lrn for x in report.lodged} == {first["lrn"], second["lrn"]} and report.exit_code == 0


def test_xlsx_import_keeps_codes_and_amounts_as_written(trader_a, tmp_path):
    doc = two_items(lrn="0123")
    rows = flat([doc])
    header = list(rows[0])
    table = [header] + [[row[c] for c in header] for row in rows]
    hs, net, value = header.index("hs_code"), header.index("net_mass_kg"), header.index("value")
    table[1][net], table[1][value] = 42.5, 12500.0                  # numbers, not text
    table[2][hs], table[2][value] = 640399, 0.1 + 0.2 + 499.7       # float artefact on purpose
    report = run(trader_a, write_xlsx(tmp_path / "in.xlsx", table))
    assert report.accepted == 1, report.errors
    items = stored()["docs"]["0123"]["items"]
    assert (items[0]["net_mass_kg"], items[0]["value"], items[1]["hs_code"]) == ("42.5", "12500", "640399")
    assert items[1]["value"] == "500"


def test_xlsx_errors_name_the_sheet_row_across_blank_rows(trader_a, tmp_path):
    good, bad = document(), document()
    bad["items"][0]["net_mass_kg"] = "0"
    rows = flat([good, bad])
    header = list(rows[0])
    table = [header, [rows[0][c] for c in header], [None] * len(header), [rows[1][c] for c in header]]
    report = run(trader_a, write_xlsx(tmp_path / "in.xlsx", table))
    assert (report.rows, report.accepted) == (2, 1)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [(4, "net_mass_kg", "0", "mass.not_positive")]


def test_jsonl_lodges_each_line(trader_a, tmp_path):
    docs = [document(), two_items()]
    report = run(trader_a, write_jsonl(tmp_path / "in.jsonl", docs))
    assert (report.declarations, report.accepted) == (2, 2)
    assert len(stored()["docs"][docs[1]["lrn"]]["items"]) == 2


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_hs_codes_with_leading_zeros_survive(trader_a, tmp_path, suffix):
    doc = document()
    doc["items"][0].update(hs_code="010121", description="Pure-bred breeding horse", quantity={
        "value": "1", "unit": "NAR"}, net_mass_kg="510")
    rows = flat([doc])
    if suffix == "csv":
        path = write_csv(tmp_path / "in.csv", rows)
    else:  # one text cell, and one number formatted "000000" as Excel users do
        twin = {**rows[0], "lrn": doc["lrn"] + "B"}
        header = list(rows[0])
        table = [header, [rows[0][c] for c in header], [twin[c] for c in header]]
        table[2][header.index("hs_code")] = 10121
        path = write_xlsx(tmp_path / "in.xlsx", table, {f"{get_column_letter(header.index('hs_code') + 1)}3": "000000"})
    report = run(trader_a, path)
    assert report.rejected == 0, report.errors
    assert {d["items"][0]["hs_code"] for d in stored()["docs"].values()} == {"010121"}


def test_good_rows_are_kept_and_bad_rows_reported_by_row_and_column(trader_a, tmp_path):
    good, bad_item, bad_head = document(), two_items(), document(currency="XXQ")
    bad_item["items"][1]["hs_code"] = "999999"
    rows = flat([good, bad_item, bad_head])  # rows 2, 3-4, 5
    report = run(trader_a, write_csv(tmp_path / "in.csv", rows))
    assert (report.accepted, report.rejected, report.exit_code) == (1, 2, 1)
    assert set(stored()["docs"]) == {good["lrn"]}
    found = {(e.row, e.column, e.value, e.code) for e in report.errors}
    assert found == {(4, "hs_code", "999999", "hs_code.unknown"), (5, "currency", "XXQ", "currency.unknown")}
    lines = errors_csv(report.errors).splitlines()
    assert lines[0] == "row,column,value,code,message"
    assert lines[1].startswith("4,hs_code,999999,hs_code.unknown,HS code 999999 does not exist")


def test_schema_problems_name_the_column_not_the_field(trader_a, tmp_path):
    doc = document()
    doc["items"][0]["quantity"]["value"] = "12,5"
    report = run(trader_a, write_csv(tmp_path / "in.csv", flat([doc])))
    (error,) = report.errors
    assert (error.row, error.column, error.value, error.code) == (2, "quantity", "12,5", "decimal.format")
    assert message(error.code, "es", error.params).startswith("quantity ")


def test_conflicting_declaration_cells_reject_the_declaration(trader_a, tmp_path):
    rows = flat([two_items()])
    rows[1]["currency"] = "EUR"
    report = run(trader_a, write_csv(tmp_path / "in.csv", rows))
    assert report.rejected == 1 and stored()["docs"] == {}
    (error,) = report.errors
    assert (error.row, error.column, error.value, error.code) == (3, "currency", "EUR", "bulk.header_conflict")


def test_jsonl_errors_point_at_the_line_and_pointer(trader_a, tmp_path):
    bad = document()
    bad["items"][0]["hs_code"] = "85171"
    report = run(trader_a, write_jsonl(tmp_path / "in.jsonl", [document(), "", "{not json", bad]))
    assert (report.accepted, report.rejected) == (1, 2)
    found = {(e.row, e.column, e.value, e.code) for e in report.errors}
    assert found == {(3, "", "{not json", "body.malformed"), (4, "/items/0/hs_code", "85171", "hs_code.format")}


def test_dry_run_stores_nothing_and_checks_duplicates_like_a_real_run(trader_a, tmp_path):
    doc = document()
    path = write_jsonl(tmp_path / "in.jsonl", [doc, document(), doc])
    dry = run(trader_a, path, dry_run=True)
    assert stored() == {"docs": {}, "imports": 0}
    real = run(trader_a, path)
    for report in (dry, real):
        assert (report.accepted, report.rejected) == (2, 1)
        assert [(e.row, e.code) for e in report.errors] == [(3, "lrn.duplicate")]
    assert dry.lodged == [] and dry.import_id is None and len(real.lodged) == 2


def test_same_file_again_lodges_nothing_and_reports_the_earlier_import(trader_a, tmp_path):
    path = write_csv(tmp_path / "in.csv", flat([document(), document(currency="XXQ")]))
    first = run(trader_a, path)
    again = run(trader_a, path)
    assert (again.accepted, again.rejected, again.skipped) == (0, 0, 2)
    assert again.previous is not None and again.previous.id == first.import_id
    assert (again.previous.accepted, again.previous.rejected) == (1, 1)
    assert again.previous.finished_at is not None and stored()["imports"] == 1
    other = run(principal("trader-b"), path)  # another organisation is not blocked by A's import
    assert other.skipped == 0 and other.rejected == 2


def test_an_interrupted_import_resumes_where_it_stopped(trader_a, tmp_path):
    docs = [document(), document(), document()]
    path = write_jsonl(tmp_path / "in.jsonl", docs)

    def crash(done: int, total: int) -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        run(trader_a, path, on_progress=crash)
    assert list(stored()["docs"]) == [docs[0]["lrn"]]
    resumed = run(trader_a, path)
    assert (resumed.resumed_from, resumed.skipped, resumed.accepted, resumed.rejected) == (1, 1, 2, 0)
    assert sorted(stored()["docs"]) == sorted(d["lrn"] for d in docs)


def test_column_set_covers_every_document_field():
    assert {"lrn", "declarant_id", "transport_mode", "hs_code", "quantity_unit", "package_kind"} <= set(COLUMNS)
