"""Revenue records: what was assessed, collected and adjusted, per declaration, office, day and tax.

Every amount links to one declaration. The first assessment books "assessed" revenue; an amendment
that changes the bill books only the difference per tax, as an "adjusted" record (reason "amendment",
tied to the new assessment), so assessed plus amendment adjustments always sum to the current bill.
Collected revenue is booked when a payment is confirmed; other adjustments (additional duty,
penalties) come from control findings, carry no assessment, and may be negative.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.errors import ValidationFailed
from clearway.tariff.errors import problem
from clearway.tariff.models import AssessmentRecord, RevenueRecord

REVENUE_TAXES = ("duty", "excise", "vat", "penalty", "interest")
REVENUE_KINDS = ("assessed", "collected", "adjusted")


@dataclass(frozen=True, slots=True)
class RevenueTotal:
    """One cell of a revenue report: office, month (YYYY-MM), tax, kind, currency and amount."""

    office: str
    period: str
    tax: str
    kind: str
    currency: str
    amount: Decimal


def _per_tax(records: Iterable[AssessmentRecord]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for record in records:
        for line in record.lines:
            totals[line.tax] += line.amount
    return totals


def _booked(db: Session, declaration_id: int, kind: str) -> dict[str, Decimal]:
    where = [RevenueRecord.declaration_id == declaration_id, RevenueRecord.kind == kind]
    if kind == "assessed":  # what the bills booked: assessed, and the amendments' adjustments
        where = [RevenueRecord.declaration_id == declaration_id, RevenueRecord.assessment_id.is_not(None),
                 RevenueRecord.kind.in_(("assessed", "adjusted"))]
    rows = db.execute(select(RevenueRecord.tax, func.sum(RevenueRecord.amount)).where(*where)
                      .group_by(RevenueRecord.tax))
    return {tax: Decimal(amount) for tax, amount in rows}


def _book_differences(db: Session, record: AssessmentRecord, kind: str, already: dict[str, Decimal],
                      on: date, reason: str, now: datetime) -> None:
    target = _per_tax([record])
    for tax in sorted(set(target) | set(already)):
        delta = target.get(tax, Decimal(0)) - already.get(tax, Decimal(0))
        if delta:
            db.add(RevenueRecord(declaration_id=record.declaration_id, assessment_id=record.id, office=record.office,
                                 tax=tax, kind=kind, amount=delta, currency=record.currency, booked_on=on,
                                 reason=reason, created_at=now))


def revenue_book_assessment(*, db: Session, record: AssessmentRecord, previous: list[AssessmentRecord],
                            now: datetime) -> None:
    """Book a bill's revenue: assessed for the first one; for an amendment, the difference as adjusted."""
    kind, reason, on = ("adjusted", "amendment", now.date()) if previous else ("assessed", "assessment",
                                                                                record.assessed_on)
    _book_differences(db, record, kind, _booked(db, record.declaration_id, "assessed"), on, reason, now)


def revenue_book_supplement(*, db: Session, record: AssessmentRecord, reason: str, now: datetime) -> None:
    """Book a control's supplementary bill: per tax (penalty included), the difference as adjusted."""
    _book_differences(db, record, "adjusted", _booked(db, record.declaration_id, "assessed"), now.date(),
                      reason[:255], now)


def revenue_book_collected(*, db: Session, record: AssessmentRecord, now: datetime) -> None:
    """Book collected revenue once an assessment is settled: per tax, what was not collected before."""
    _book_differences(db, record, "collected", _booked(db, record.declaration_id, "collected"), now.date(),
                      "payment", now)


def revenue_adjust(*, db: Session, declaration_id: int, office: str, tax: str, amount: Decimal, currency: str,
                   reason: str, finding_ref: str | None, now: datetime) -> RevenueRecord:
    """Book an adjustment from a finding: additional duty or tax, a penalty, or a refund (negative)."""
    if tax not in REVENUE_TAXES:
        raise ValidationFailed([problem("revenue_tax_unknown", "/tax", tax=tax)])
    record = RevenueRecord(declaration_id=declaration_id, office=office, tax=tax, kind="adjusted", amount=amount,
                           currency=currency, booked_on=now.date(), reason=reason[:255], finding_ref=finding_ref,
                           created_at=now)
    db.add(record)
    db.flush()
    return record


def revenue_summary(*, db: Session, date_from: date, date_to: date, office: str | None = None) -> list[RevenueTotal]:
    """Revenue by office, month, tax and kind between two days (inclusive)."""
    query = (select(RevenueRecord.office, RevenueRecord.booked_on, RevenueRecord.tax, RevenueRecord.kind,
                    RevenueRecord.currency, func.sum(RevenueRecord.amount))
             .where(RevenueRecord.booked_on >= date_from, RevenueRecord.booked_on <= date_to)
             .group_by(RevenueRecord.office, RevenueRecord.booked_on, RevenueRecord.tax, RevenueRecord.kind,
                       RevenueRecord.currency))
    if office is not None:
        query = query.where(RevenueRecord.office == office)
    # Days are folded into months here: date functions differ between SQLite and PostgreSQL.
    cells: dict[tuple[str, str, str, str, str], Decimal] = defaultdict(Decimal)
    for row_office, day, tax, kind, currency, amount in db.execute(query):
        cells[(row_office, f"{day:%Y-%m}", tax, kind, currency)] += Decimal(amount)
    return [RevenueTotal(*key, amount) for key, amount in sorted(cells.items())]
