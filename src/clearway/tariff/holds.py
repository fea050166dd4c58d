"""The tariff's reason to hold goods: duty neither paid nor secured (WTO TFA 7.3), or not assessed at all."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.config import get_settings
from clearway.declarations.models import Declaration
from clearway.holds import Hold, Lodged
from clearway.tariff import rules
from clearway.tariff.models import AssessmentRecord, GuaranteeUse, Payment
from clearway.tariff.payments import payment_reference_of

_ZERO = Decimal(0)


def _text(amount: Decimal, currency: str) -> str:
    return str(rules.round_money(amount, rules.money_quantum(currency)))


def duty_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold the goods while the current assessment is neither paid nor secured; an import without one is held too."""
    # One round trip: the current assessment with what was paid and what is secured against it.
    paid_q = (select(func.coalesce(func.sum(Payment.amount), 0))
              .where(Payment.declaration_id == declaration.id, Payment.status == "confirmed").scalar_subquery())
    secured_q = (select(func.coalesce(func.sum(GuaranteeUse.amount), 0))
                 .where(GuaranteeUse.declaration_id == declaration.id, GuaranteeUse.discharged_at.is_(None))
                 .scalar_subquery())
    record = db.execute(select(AssessmentRecord.id, AssessmentRecord.total, AssessmentRecord.currency,
                               AssessmentRecord.payment_reference, paid_q.label("paid"), secured_q.label("secured"))
                        .where(AssessmentRecord.declaration_id == declaration.id,
                               AssessmentRecord.superseded.is_(False))
                        .order_by(AssessmentRecord.id.desc()).limit(1)).first()
    if record is None:
        if declaration.type == "IM" and get_settings().duty_assessment_required:
            return [Hold("duty.not_assessed", "customs", {})]
        return []  # exports and transit owe no import duties
    paid = record.paid
    due = record.total - Decimal(paid or 0)
    if due <= 0:
        return []
    secured = Decimal(record.secured or 0)
    if secured >= due:
        return []
    return [Hold("duty.unpaid", "trader", {
        "due": _text(due, record.currency), "secured": _text(secured, record.currency), "currency": record.currency,
        "reference": record.payment_reference or ""})]


def duty_holds_at_lodging(declaration: Declaration, lodged: Lodged) -> list[Hold]:
    """`duty_holds` for a declaration just lodged, from its bill: due, and covered (deferment, guarantee) or not."""
    bill = lodged.bill
    if bill.result is None:
        if declaration.type == "IM" and get_settings().duty_assessment_required:
            return [Hold("duty.not_assessed", "customs", {})]
        return []
    if bill.cleared:  # nothing due, or covered by a deferment account or a guarantee
        return []
    currency = bill.result.currency
    return [Hold("duty.unpaid", "trader", {
        "due": _text(bill.due, currency), "secured": _text(_ZERO, currency), "currency": currency,
        "reference": payment_reference_of(declaration.mrn, declaration.version)})]


duty_holds.at_lodging = duty_holds_at_lodging  # type: ignore[attr-defined]


def duty_not_final(db: Session, declaration: Declaration) -> list[Hold]:
    """Clearance waits while the current assessment is provisional (released under guarantee, TFA 7.3)."""
    final = db.scalar(select(AssessmentRecord.final).where(AssessmentRecord.declaration_id == declaration.id,
                                                           AssessmentRecord.superseded.is_(False))
                      .order_by(AssessmentRecord.id.desc()).limit(1))
    return [Hold("duty.not_final", "customs", {})] if final is False else []
