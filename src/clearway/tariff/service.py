"""Tariff services over the database: schedule snapshots, duty calculation and assessment, line search.

Other domains use the tariff through this module: lodging's "assessed" step (`lodging_assess`,
`bill_rows`), re-assessment on amendment, payments and guarantees that release a declaration
(through the release decision they are given); `tariff.holds` answers the release decision.
Keyword-only functions; the caller owns the transaction (we flush, never commit).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.config import get_settings
from clearway.declarations.schemas import DeclarationCreate
from clearway.tariff import payments, revenue
from clearway.tariff.compute import Assessment, compute_duties
from clearway.tariff.lodging import Bill, bill_rows, currencies_needed, lodging_assess
from clearway.tariff.models import (
    AssessmentLineRecord,
    AssessmentRecord,
    TariffLine,
)
from clearway.tariff.payments import assessment_current, payment_reference_of
from clearway.tariff.rates import rates_snapshot
from clearway.tariff.schedules import schedule_snapshot, schedule_version_current
from clearway.tariff.settlement import (
    DutiesView,
    Settled,
    assessment_amend,
    declaration_pay,
    declaration_secure,
    duties_view,
    payment_confirmed,
)
from clearway.tariff.snapshot import Line

__all__ = [  # what other domains call (some defined in lodging and settlement, gathered here)
    "Bill", "DutiesView", "Settled", "assessment_amend", "assessment_current", "assessment_record", "bill_rows",
    "declaration_pay", "declaration_secure", "duties_calculate", "duties_view",
    "lines_search", "lodging_assess", "payment_confirmed", "payment_gateway", "payment_reference_of",
    "schedule_snapshot", "schedule_version_current",
]

def duties_calculate(*, db: Session, document: DeclarationCreate, on: date) -> Assessment:
    """Compute the duties of a declaration (draft or lodged) on a date against the current schedule."""
    schedule = schedule_snapshot(db=db)
    rates = rates_snapshot(db=db, national=schedule.currency, currencies=currencies_needed(schedule, document), on=on)
    return compute_duties(document=document, schedule=schedule, rates=rates, on=on)


def assessment_record(*, db: Session, declaration_id: int, declaration_version: int, document: DeclarationCreate,
                      on: date, now: datetime, final: bool = True) -> AssessmentRecord:
    """Assess a declaration and store it with its lines, payment reference and assessed revenue."""
    result = duties_calculate(db=db, document=document, on=on)
    previous = list(db.scalars(select(AssessmentRecord).where(AssessmentRecord.declaration_id == declaration_id,
                                                              AssessmentRecord.superseded.is_(False))))
    for old in previous:
        old.superseded = True  # an amendment replaces the bill; revenue books only the difference
    record = AssessmentRecord(
        declaration_id=declaration_id, declaration_version=declaration_version, office=document.office,
        schedule_version_id=result.schedule_version, assessed_on=on, currency=result.currency,
        customs_value=result.customs_value, total=result.total, final=final, superseded=False, created_at=now,
        lines=[AssessmentLineRecord(
            item_index=t.item, line_code=result.items[t.item].line, tax=t.tax, base=t.base, quantity=t.quantity,
            rate=t.rate, amount=t.amount, measure_ref=t.measure_id, preference=t.preference, relief=t.relief,
        ) for t in result.lines],
    )
    db.add(record)
    db.flush()
    record.payment_reference = payments.payment_reference(record.id)
    revenue.revenue_book_assessment(db=db, record=record, previous=previous, now=now)
    db.flush()
    return record


def lines_search(*, db: Session, q: str, limit: int = 20) -> list[Line]:
    """National lines of the current schedule whose code starts with q, or whose description has all q's words."""
    current = schedule_version_current(db=db)
    if current is None or not q.strip():
        return []  # an empty query finds nothing rather than the whole schedule
    query = select(TariffLine.code).where(TariffLine.version_id == current.id)
    digits = q.replace(".", "").replace(" ", "")
    if digits.isdigit():
        query = query.where(TariffLine.code.startswith(digits))
    else:
        words = [w for w in q.lower().split() if w][:8]
        query = query.where(*[func.lower(TariffLine.description).contains(w, autoescape=True) for w in words])
    codes = db.scalars(query.order_by(TariffLine.code).limit(limit)).all()
    schedule = schedule_snapshot(db=db, version_id=current.id)
    return [schedule.lines[c] for c in codes]


def payment_gateway() -> payments.PaymentGateway:
    """The payment gateway of this deployment: the demo one, which confirms at once, outside production."""
    if get_settings().environment == "production":
        return payments.NoGateway()
    return payments.DemoGateway()
