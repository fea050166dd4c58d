"""`clearway import declarations` end to end through the Typer app."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from clearway.cli import app
from tests.bulk.files import flat, stored, write_csv, write_jsonl
from tests.factories import document

runner = CliRunner()


def cli(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["import", "declarations", *map(str, args)])


def test_import_then_reimport_reports_the_earlier_import(trader_a, tmp_path):
    path = write_csv(tmp_path / "in.csv", flat([document(), document()]))
    first = cli(path, "--as", "trader-a")
    assert first.exit_code == 0, first.output
    assert "read 2 declarations (2 rows): 2 accepted, 0 rejected, 0 skipped" in first.stdout
    again = cli(path, "--as", "trader-a")
    assert again.exit_code == 0, again.output
    assert "already imported as import #" in again.stdout
    assert "0 accepted, 0 rejected, 2 skipped" in again.stdout and len(stored()["docs"]) == 2


def test_rejected_rows_go_to_the_error_report_in_the_chosen_language(trader_a, tmp_path):
    bad = document()
    bad["items"][0]["origin_country"] = "ZZ"
    out = tmp_path / "errors.csv"
    result = cli(write_csv(tmp_path / "in.csv", flat([document(), bad])), "--as", "trader-a",
                 "--errors", out, "--lang", "fr")
    assert result.exit_code == 1, result.output
    assert "1 accepted, 1 rejected" in result.stdout
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["row"], r["column"], r["value"], r["code"]) for r in rows] == [
        ("3", "origin_country", "ZZ", "country.unknown")]
    assert rows[0]["message"] and rows[0]["message"] != "ZZ is not an ISO 3166-1 country code"


def test_dry_run_validates_and_stores_nothing(trader_a, tmp_path):
    result = cli(write_jsonl(tmp_path / "in.jsonl", [document()]), "--as", "trader-a", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("dry run, nothing stored: read 1 declaration (1 line): "
                                          "1 accepted, 0 rejected, 0 skipped")
    assert stored() == {"docs": {}, "imports": 0}


def test_unusable_input_exits_2_with_a_clear_message(trader_a, tmp_path):
    rows = [{k: v for k, v in row.items() if k != "hs_code"} for row in flat([document()])]
    missing = cli(write_csv(tmp_path / "in.csv", rows), "--as", "trader-a")
    assert missing.exit_code == 2 and "missing required columns: hs_code" in missing.output
    (tmp_path / "in.txt").write_text("hello")
    unknown = cli(tmp_path / "in.txt", "--as", "trader-a")
    assert unknown.exit_code == 2 and "unknown file format '.txt'" in unknown.output
    absent = cli(tmp_path / "nope.csv", "--as", "trader-a")
    assert absent.exit_code == 2 and "cannot read" in absent.output
    officer = cli(tmp_path / "in.csv", "--as", "officer")
    assert officer.exit_code == 2 and "only traders" in officer.output
    assert stored() == {"docs": {}, "imports": 0}
