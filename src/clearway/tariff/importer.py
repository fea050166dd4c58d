"""Importing the national schedule and the trade agreements from CSV or XLSX files.

Each schedule import is a new, complete schedule version (the latest is in force); measures carry
their own validity dates, so history lives inside a version. A file with any row error writes
nothing; a dry run only reports. The caller owns the transaction: we flush, never commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clearway.reference import service as reference
from clearway.tariff.cache import tariff_cache_invalidate
from clearway.tariff.models import AgreementPartner, ScheduleVersion, TariffLine, TariffMeasure, TradeAgreement
from clearway.tariff.schedule_file import parse_schedule
from clearway.tariff.tabular import FileUnreadable, RowError, parse_date, read_rows

AGREEMENT_COLUMNS = ("agreement", "name", "partners", "valid_from", "valid_to")


@dataclass
class ImportReport:
    """What an import found and did: counts, row errors, and the version written (None if nothing was)."""

    path: str
    dry_run: bool
    rows: int = 0
    lines: int = 0
    measures: int = 0
    errors: list[RowError] = field(default_factory=list)
    version_id: int | None = None

    @property
    def ok(self) -> bool:
        """True when the file had no error."""
        return not self.errors


def _read(path: Path, report: ImportReport) -> tuple[list[str], list[dict[str, str]]] | None:
    try:
        header, rows = read_rows(path)
    except FileUnreadable as exc:
        report.errors.append(RowError.of(0, "", path.name, "tariff.import_file", reason=str(exc)))
        return None
    report.rows = len(rows)
    return header, rows


def tariff_import(*, db: Session, path: str | Path, actor_id: int | None, now: datetime,
                  dry_run: bool = False) -> ImportReport:
    """Import a schedule file as a new schedule version, or report its row errors and write nothing."""
    path = Path(path)
    report = ImportReport(str(path), dry_run)
    table = _read(path, report)
    if table is None:
        return report
    parsed = parse_schedule(table[1], table[0])
    report.errors, report.lines, report.measures = parsed.errors, len(parsed.lines), len(parsed.measures)
    if parsed.errors or dry_run:
        return report
    version = ScheduleVersion(label=f"{path.stem} {now:%Y-%m-%d %H:%M}", source=path.name,
                              checksum=hashlib.sha256(path.read_bytes()).hexdigest(), imported_at=now,
                              imported_by=actor_id, line_count=len(parsed.lines),
                              measure_count=len(parsed.measures))
    db.add(version)
    db.flush()
    # Bulk inserts: a national schedule has thousands of lines, and ORM objects are not needed here.
    db.execute(insert(TariffLine), [
        {"version_id": version.id, "code": code, "hs6": code[:6], "description": description,
         "supplementary_unit": unit} for code, (description, unit) in parsed.lines.items()
    ])
    if parsed.measures:
        db.execute(insert(TariffMeasure), [
            {"version_id": version.id, "ref": m.id, "code": m.code, "kind": m.kind, "basis": m.basis,
             "rate_pct": m.pct, "amount": m.amount, "amount_currency": m.currency, "per_unit": m.per_unit,
             "agreement": m.agreement, "agency": m.agency, "legal_basis": m.legal_basis,
             "valid_from": m.valid_from, "valid_to": m.valid_to} for m in parsed.measures
        ])
    db.flush()
    tariff_cache_invalidate()  # running processes pick the new version up at their next check
    report.version_id = version.id
    return report


@dataclass(frozen=True)
class _AgreementRow:
    code: str
    name: str
    partners: tuple[str, ...]
    valid_from: date
    valid_to: date | None


def _agreement_row(number: int, row: dict[str, str], errors: list[RowError]) -> _AgreementRow | None:
    before = len(errors)
    for column in ("agreement", "name", "partners", "valid_from"):
        if not row.get(column):
            errors.append(RowError.of(number, column, "", "tariff.import_required"))
    partners = tuple(row.get("partners", "").replace(",", " ").split())
    countries = reference.countries()
    errors.extend(RowError.of(number, "partners", c, "tariff.import_country") for c in partners if c not in countries)
    valid_from, valid_to = parse_date(row.get("valid_from", "")), parse_date(row.get("valid_to", ""))
    if row.get("valid_from") and valid_from is None:
        errors.append(RowError.of(number, "valid_from", row["valid_from"], "tariff.import_date"))
    if row.get("valid_to") and valid_to is None:
        errors.append(RowError.of(number, "valid_to", row["valid_to"], "tariff.import_date"))
    if len(errors) > before or valid_from is None:
        return None
    return _AgreementRow(row["agreement"], row["name"], partners, valid_from, valid_to)


def agreements_import(*, db: Session, path: str | Path, dry_run: bool = False) -> ImportReport:
    """Create or replace trade agreements and their partner countries from a file."""
    path = Path(path)
    report = ImportReport(str(path), dry_run)
    table = _read(path, report)
    if table is None:
        return report
    header, rows = table
    if missing := [c for c in AGREEMENT_COLUMNS[:4] if c not in header]:
        report.errors.append(RowError.of(1, ",".join(missing), "", "tariff.import_header"))
        return report
    parsed = [_agreement_row(n, row, report.errors) for n, row in enumerate(rows, start=2)]
    if report.errors or dry_run:
        return report
    existing = {a.code: a for a in db.scalars(select(TradeAgreement))}
    for entry in parsed:
        assert entry is not None  # rows with errors returned above
        agreement = existing.get(entry.code) or TradeAgreement(code=entry.code)
        agreement.name, agreement.valid_from, agreement.valid_to = entry.name, entry.valid_from, entry.valid_to
        # Keep partner rows that stay: deleting and re-adding one country would clash on the unique key.
        wanted = set(entry.partners)
        kept = [p for p in agreement.partners if p.country in wanted]
        have = {p.country for p in kept}
        agreement.partners = kept + [AgreementPartner(country=c) for c in sorted(wanted - have)]
        db.add(agreement)
    db.flush()
    tariff_cache_invalidate()
    return report
