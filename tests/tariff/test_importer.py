"""Schedule import from CSV and XLSX: versions, row-level errors, dry runs, search, agreements."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.tariff.compute import compute_duties
from clearway.tariff.importer import agreements_import, tariff_import
from clearway.tariff.models import ScheduleVersion, TariffLine, TariffMeasure, TradeAgreement
from clearway.tariff.schedule_file import COLUMNS
from clearway.tariff.service import lines_search, schedule_snapshot
from clearway.tariff.snapshot import RateTable
from tests.tariff.worked_schedule import declaration, item

NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
HEADER = ",".join(COLUMNS)
SMALL = f"""{HEADER}
line,61091000,"T-shirts, singlets and other vests; of cotton, knitted",NAR,,,,,,,,,,,
line,61099000,"T-shirts, singlets and other vests; of other textiles, knitted",NAR,,,,,,,,,,,
line,2208301000,Whiskies; bourbon,LTR,,,,,,,,,,,
duty,61,,,ad_valorem,13,,,,,,2022-01-01,,,Tariff Act
vat,61,,,ad_valorem,10,,,,,,2022-01-01,,VAT-61,VAT Act
duty,22,,,ad_valorem,20,,,,,,2022-01-01,,,Tariff Act
excise,2208,,,specific,,1500.5,,LTR,,,2022-01-01,,,Excise Act
vat,22,,,ad_valorem,10,,,,,,2022-01-01,,,VAT Act
duty,6109,,,ad_valorem,0,,,,KRUS,,2022-01-01,,,KORUS
restriction,2208,,,,,,,,,MFDS,2022-01-01,,,Food Act
"""


def _write(tmp_path: Path, text: str, name: str = "schedule.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_import_creates_a_version_with_lines_and_measures(db: Session, tmp_path: Path) -> None:
    report = tariff_import(db=db, path=_write(tmp_path, SMALL), actor_id=7, now=NOW, dry_run=False)
    assert report.ok and (report.rows, report.lines, report.measures) == (10, 3, 7)
    version = db.get(ScheduleVersion, report.version_id)
    assert version is not None and (version.imported_by, version.line_count, version.source) == (7, 3, "schedule.csv")
    refs = set(db.scalars(select(TariffMeasure.ref)))
    assert {"VAT-61", "61-duty-GEN-20220101", "6109-duty-KRUS-20220101", "2208-restriction-MFDS-20220101"} <= refs
    result = compute_duties(document=declaration(item("61091000", "1000000")), schedule=schedule_snapshot(db=db),
                            rates=RateTable("KRW", {}), on=date(2026, 1, 15))
    assert result.total == 243000  # 13 % duty then 10 % VAT, as the worked case ad_valorem_13


def test_row_errors_name_row_column_value_and_code_and_nothing_is_written(db: Session, tmp_path: Path) -> None:
    bad = f"""{HEADER}
line,61091000,T-shirts,NAR,,,,,,,,,,,
line,6109100,Seven digits,,,,,,,,,,,,
line,99999900,Not in HS,,,,,,,,,,,,
line,61091000,Twice,,,,,,,,,,,,
tax,61,,,ad_valorem,13,,,,,,2022-01-01,,,
duty,61,,,ad_valorem,thirteen,,,,,,2022-01-01,,,
duty,62,,,,,,,,,,2022-01-01,,,
vat,61,,,ad_valorem,10,,,,,,2022-02-30,,,
vat,6109,,,ad_valorem,10,,,,,,2022-01-01,2021-01-01,,
duty,85,,,ad_valorem,8,,,,,,2022-01-01,,,
duty,6109,,,ad_valorem,13,,,,,,2022-01-01,,,
duty,6109,,,ad_valorem,12,,,,,,2023-01-01,,,
excise,6109,,,ad_valorem,5,,,,KRUS,,2022-01-01,,,
"""
    report = tariff_import(db=db, path=_write(tmp_path, bad), actor_id=None, now=NOW, dry_run=False)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (3, "code", "6109100", "tariff.import_line_format"),
        (4, "code", "99999900", "tariff.import_unknown_hs"),
        (5, "code", "61091000", "tariff.import_duplicate"),
        (6, "record", "tax", "tariff.import_choice"),
        (7, "rate_pct", "thirteen", "tariff.import_decimal"),
        (8, "basis", "", "tariff.import_required"),
        (9, "valid_from", "2022-02-30", "tariff.import_date"),
        (10, "valid_to", "2021-01-01", "tariff.import_date_range"),
        (13, "valid_from", "2023-01-01", "tariff.import_overlap"),
        (14, "agreement", "KRUS", "tariff.import_agreement_kind"),
    ]
    assert report.errors[0].message == "A national line has 8 or 10 digits"
    assert report.version_id is None and _count(db, ScheduleVersion) == 0 and _count(db, TariffLine) == 0


def test_measure_on_a_code_that_is_no_line_nor_hs_code(db: Session, tmp_path: Path) -> None:
    text = f"{HEADER}\nline,61091000,T-shirts,,,,,,,,,,,,\nduty,61091099,,,ad_valorem,1,,,,,,2022-01-01,,,\n"
    report = tariff_import(db=db, path=_write(tmp_path, text), actor_id=None, now=NOW, dry_run=False)
    assert [(e.row, e.code) for e in report.errors] == [(3, "tariff.import_unknown_code")]


def test_missing_columns_and_unreadable_files(db: Session, tmp_path: Path) -> None:
    report = tariff_import(db=db, path=_write(tmp_path, "code,description\n1,x\n"), actor_id=None, now=NOW)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(1, "record,valid_from", "tariff.import_header")]
    report = tariff_import(db=db, path=_write(tmp_path, "x", "schedule.txt"), actor_id=None, now=NOW)
    assert [(e.row, e.code) for e in report.errors] == [(0, "tariff.import_file")]


def test_dry_run_reports_and_writes_nothing(db: Session, tmp_path: Path) -> None:
    report = tariff_import(db=db, path=_write(tmp_path, SMALL), actor_id=None, now=NOW, dry_run=True)
    assert report.ok and report.lines == 3 and report.version_id is None
    assert _count(db, ScheduleVersion) == 0 and _count(db, TariffMeasure) == 0


def test_xlsx_with_numeric_codes_and_dates(db: Session, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    sheet.append(["line", 1012100, "Horses; pure-bred breeding", None])  # leading zero lost by Excel
    sheet.append(["duty", 1, None, None, "ad_valorem", 8, None, None, None, None, None, datetime(2022, 1, 1)])
    sheet.append(["vat", 1, None, None, "ad_valorem", 10, None, None, None, None, None, datetime(2022, 1, 1)])
    book.save(tmp_path / "schedule.xlsx")
    report = tariff_import(db=db, path=tmp_path / "schedule.xlsx", actor_id=None, now=NOW, dry_run=False)
    assert report.ok, report.errors
    schedule = schedule_snapshot(db=db)
    line = schedule.lines["01012100"]
    duty = line.at(date(2026, 1, 1)).duty
    assert duty is not None and (duty.code, duty.pct) == ("01", 8)


def test_a_new_import_is_a_new_version_and_changes_the_bill(db: Session, tmp_path: Path) -> None:
    first = tariff_import(db=db, path=_write(tmp_path, SMALL), actor_id=None, now=NOW)
    second = tariff_import(db=db, path=_write(tmp_path, SMALL.replace(",13,", ",10,")), actor_id=None, now=NOW)
    assert first.version_id is not None and second.version_id == first.version_id + 1
    document = declaration(item("61091000", "1000000"))
    old = compute_duties(document=document, schedule=schedule_snapshot(db=db, version_id=first.version_id),
                         rates=RateTable("KRW", {}), on=date(2026, 1, 15))
    new = compute_duties(document=document, schedule=schedule_snapshot(db=db), rates=RateTable("KRW", {}),
                         on=date(2026, 1, 15))
    assert (old.total, new.total) == (243000, 210000)  # 10 %: 100,000 + VAT 110,000
    assert new.schedule_version == second.version_id


def test_search_by_code_prefix_and_by_description_words(db: Session, tmp_path: Path) -> None:
    tariff_import(db=db, path=_write(tmp_path, SMALL), actor_id=None, now=NOW)
    assert [line.code for line in lines_search(db=db, q="6109")] == ["61091000", "61099000"]
    assert [line.code for line in lines_search(db=db, q="2208.30")] == ["2208301000"]
    assert [line.code for line in lines_search(db=db, q="cotton T-SHIRTS")] == ["61091000"]
    assert [line.code for line in lines_search(db=db, q="vests", limit=1)] == ["61091000"]
    assert lines_search(db=db, q="100%_") == [] and lines_search(db=db, q="  ") == []


def test_agreements_import_creates_and_replaces_partners(db: Session, tmp_path: Path) -> None:
    text = "agreement,name,partners,valid_from,valid_to\nRCEP,RCEP,CN JP VN,2022-02-01,\n"
    assert agreements_import(db=db, path=_write(tmp_path, text, "a.csv")).ok
    assert agreements_import(db=db, path=_write(tmp_path, text.replace("CN JP VN", "JP VN AU"), "a.csv")).ok
    (agreement,) = db.scalars(select(TradeAgreement)).all()
    assert sorted(p.country for p in agreement.partners) == ["AU", "JP", "VN"]
    bad = "agreement,name,partners,valid_from,valid_to\nXX,,ZZ,someday,\n"
    report = agreements_import(db=db, path=_write(tmp_path, bad, "b.csv"))
    assert [(e.column, e.code) for e in report.errors] == [
        ("name", "tariff.import_required"), ("partners", "tariff.import_country"), ("valid_from", "tariff.import_date")]
