"""Bulk import of declarations: each one lodged exactly as the API lodges it, in its own transaction.

A file is known by its SHA-256: the same bytes imported again by the same organisation lodge
nothing and report the earlier import. The import record's cursor (`processed`) advances in the
same transaction as each declaration, so an interrupted import resumes where it stopped and two
processes never lodge the same declaration. A dry run validates everything and stores nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.bulk.models import BulkImport
from clearway.bulk.readers import Parsed, Record, UnusableInput, read_bytes
from clearway.bulk.schemas import BulkImportRead, ImportReport, Lodged, RowError
from clearway.clearance.lodge import declaration_lodge
from clearway.clearance.wiring import Wiring
from clearway.errors import Conflict, DeclarationInvalid, Forbidden, Problem
from clearway.i18n import translate

__all__ = ["ImportBusy", "UnusableInput", "bulk_import", "bulk_import_bytes", "errors_csv", "message"]

Progress = Callable[[int, int], None]
Clock = Callable[[], datetime]
ERROR_COLUMNS = ("row", "column", "value", "code", "message")


class ImportBusy(Conflict):
    """Another process is running the import of the same file."""

    def __init__(self, import_id: int):
        super().__init__([Problem("bulk.import_busy", "", {"id": import_id})],
                         f"import #{import_id} of this file is being run by another process")


def message(code: str, locale: str, params: dict[str, Any]) -> str:
    """The localized message of a problem code."""
    return translate(code, locale, **params)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell_safe(value: object) -> str:
    """A value for a spreadsheet cell that a spreadsheet will show, never run (OWASP CSV injection).

    A text starting like a formula gets a leading apostrophe, which spreadsheets hide and which makes
    the cell text; leading spaces do not help the attacker either, so they are looked past.
    """
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def errors_csv(errors: list[RowError], locale: str = "en") -> str:
    """The row-level error report: row, column, value, code, message; no cell can be a formula."""
    buffer = io.StringIO()
    # RFC 4180 line ends: a value holding a bare CR is then quoted too, and cannot split its row.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ERROR_COLUMNS)
    for e in errors:
        writer.writerow((e.row, cell_safe(e.column), cell_safe(e.value), e.code,
                         cell_safe(message(e.code, locale, e.params))))
    return buffer.getvalue()


def _row_errors(record: Record, problems: list[Problem]) -> list[RowError]:
    found = list(record.problems)
    for problem in problems:
        row, column, value = record.locate(problem.pointer)
        params = dict(problem.params)
        if record.flat and "field" in params:
            params["field"] = column
        found.append(RowError(row=row, column=column, value=value, code=problem.code, params=params))
    return sorted(found, key=lambda e: e.row)


def _lodge(*, db: Session, wiring: Wiring, actor: Principal, record: Record,
           now: datetime) -> tuple[str | None, list[Problem]]:
    """Lodge one record inside a savepoint; the MRN, or the problems and nothing kept."""
    if record.raw is None:
        return None, []
    savepoint = db.begin_nested()
    try:
        declaration = declaration_lodge(db=db, wiring=wiring, actor=actor, raw=record.raw, now=now)
    except DeclarationInvalid as exc:
        savepoint.rollback()
        return None, list(exc.problems)
    except IntegrityError:  # lodged elsewhere between the duplicate check and the insert
        savepoint.rollback()
        return None, [Problem("lrn.duplicate", "/lrn", {"value": record.lrn})]
    if record.problems:
        savepoint.rollback()
        return None, []
    savepoint.commit()
    return declaration.mrn, []


def _claim(db: Session, import_id: int, index: int) -> None:
    """Lock the import record and check that no other process has taken this declaration."""
    query = select(BulkImport.processed).where(BulkImport.id == import_id).with_for_update()
    if db.scalar(query) != index:
        raise ImportBusy(import_id)


def _process(*, db_factory: Callable[[], Session], wiring: Wiring, actor: Principal, record: Record, index: int,
             import_id: int | None, now: datetime, seen: set[str]) -> tuple[str | None, list[RowError]]:
    """One declaration in one transaction (rolled back when there is no import record: a dry run)."""
    with db_factory() as db:
        db.begin()
        if import_id is not None:
            _claim(db, import_id, index)
        mrn, problems = _lodge(db=db, wiring=wiring, actor=actor, record=record, now=now)
        if record.lrn in seen and not any(p.code == "lrn.duplicate" for p in problems):
            problems.append(Problem("lrn.duplicate", "/lrn", {"value": record.lrn}))  # dry run: earlier line
        errors = _row_errors(record, problems)
        if import_id is not None:
            db.execute(update(BulkImport).where(BulkImport.id == import_id).values(
                processed=index + 1, accepted=BulkImport.accepted + int(not errors),
                rejected=BulkImport.rejected + int(bool(errors))))
            db.commit()
    if not errors and record.lrn:
        seen.add(record.lrn)
    return mrn, errors


def _find(db: Session, organisation: str, digest: str) -> BulkImportRead | None:
    found = db.scalar(select(BulkImport).where(BulkImport.organisation == organisation,
                                               BulkImport.sha256 == digest))
    return BulkImportRead.model_validate(found) if found is not None else None


def _open(*, db_factory: Callable[[], Session], actor: Principal, parsed: Parsed, digest: str,
          filename: str, now: datetime) -> tuple[BulkImportRead, bool]:
    """The import record of this file for the organisation, and whether it was created now."""
    try:
        with db_factory() as db, db.begin():
            found = _find(db, actor.organisation_code, digest)
            if found is not None:
                return found, False
            record = BulkImport(organisation=actor.organisation_code, sha256=digest, filename=filename[:255],
                                file_format=parsed.file_format, username=actor.username, started_at=now,
                                declarations=len(parsed.records), rows=parsed.rows, processed=0,
                                accepted=0, rejected=0)
            db.add(record)
            db.flush()
            return BulkImportRead.model_validate(record), True
    except IntegrityError:  # another process opened the same import a moment earlier
        with db_factory() as db:
            again = _find(db, actor.organisation_code, digest)
        assert again is not None
        return again, False


def _run(*, db_factory: Callable[[], Session], wiring: Wiring, actor: Principal, parsed: Parsed, start: int,
         report: ImportReport, clock: Clock, on_progress: Progress | None) -> None:
    """Lodge every record from `start` on, collecting outcomes into the report."""
    seen: set[str] = set()
    total = len(parsed.records) - start
    for done, index in enumerate(range(start, len(parsed.records)), start=1):
        record = parsed.records[index]
        mrn, errors = _process(db_factory=db_factory, wiring=wiring, actor=actor, record=record,
                               index=index,
                               import_id=report.import_id, now=clock(), seen=seen)
        if errors:
            report.rejected += 1
            report.errors.extend(errors)
        else:
            report.accepted += 1
            if mrn and not report.dry_run:
                report.lodged.append(Lodged(row=record.row, lrn=record.lrn, mrn=mrn))
        if on_progress is not None:
            on_progress(done, total)


def bulk_import_bytes(*, db_factory: Callable[[], Session], wiring: Wiring, actor: Principal, data: bytes,
                      filename: str,
                      dry_run: bool, now: datetime, clock: Clock | None = None,
                      on_progress: Progress | None = None) -> ImportReport:
    """Import a file's bytes; `clock` stamps each lodgement (default: `now` for all of them)."""
    if actor.role != "trader":
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    parsed = read_bytes(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    report = ImportReport(filename=filename, file_format=parsed.file_format, sha256=digest, dry_run=dry_run,
                          declarations=len(parsed.records), rows=parsed.rows)
    if dry_run:
        with db_factory() as db:
            report.previous = _find(db, actor.organisation_code, digest)
    else:
        record, created = _open(db_factory=db_factory, actor=actor, parsed=parsed, digest=digest,
                                filename=filename, now=now)
        if not created and record.finished_at is not None:
            report.previous, report.skipped = record, len(parsed.records)
            return report
        report.import_id = record.id
        report.resumed_from = report.skipped = record.processed
    clock = clock or (lambda: now)
    _run(db_factory=db_factory, wiring=wiring, actor=actor, parsed=parsed, start=report.resumed_from, report=report,
         clock=clock, on_progress=on_progress)
    if report.import_id is not None:
        with db_factory() as db, db.begin():
            db.execute(update(BulkImport).where(BulkImport.id == report.import_id).values(finished_at=clock()))
    return report


def bulk_import(*, db_factory: Callable[[], Session], wiring: Wiring, actor: Principal, path: Path,
                dry_run: bool,
                now: datetime, clock: Clock | None = None, on_progress: Progress | None = None) -> ImportReport:
    """Import a CSV, XLSX or JSON lines file of declarations as `actor`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnusableInput(f"cannot read {path}: {exc.strerror or exc}") from None
    return bulk_import_bytes(db_factory=db_factory, wiring=wiring, actor=actor, data=data, filename=Path(path).name,
                             dry_run=dry_run, now=now, clock=clock, on_progress=on_progress)
