"""Settling a declaration's duties and releasing it when money was all that held it (WTO TFA 7.3).

A green or blue declaration whose amount due is not covered at lodging stays "channelled"; paying
it, charging it to a deferment account or securing it by a guarantee releases it through the
release decision it is given (`clearway.holds.Release`), unless something else holds it. An
amendment re-assesses the declaration: the new assessment supersedes the old one and the revenue
difference is booked as an adjustment.

The payment that settles an assessment (paid, or charged to a deferment account; a guarantee only
secures the duty) writes the declaration's "paid" event, the Time Release Study payment milestone.
Payments reach a declaration through this module for that reason: `payments` knows no declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.declarations import selectors
from clearway.declarations.lifecycle import SYSTEM_ACTOR, declaration_note
from clearway.declarations.models import Declaration
from clearway.holds import Release
from clearway.tariff import payments
from clearway.tariff.accounts import audit_record
from clearway.tariff.errors import AssessmentNotFound, problem, refuse
from clearway.tariff.lodging import Bill, assessment_row, bill_assess, guarantee_free, line_rows, paid_reason
from clearway.tariff.models import AssessmentLineRecord, AssessmentRecord, DefermentAccount, GuaranteeUse, Payment
from clearway.tariff.revenue import revenue_book_assessment


def secured(*, db: Session, declaration_id: int) -> Decimal:
    """The amount guarantees secure for a declaration now."""
    total = db.scalar(select(func.sum(GuaranteeUse.amount)).where(GuaranteeUse.declaration_id == declaration_id,
                                                                  GuaranteeUse.discharged_at.is_(None)))
    return Decimal(total or 0)


@dataclass(frozen=True)
class DutiesView:
    """A declaration's current assessment with what was paid and secured, for pages and the API."""

    record: AssessmentRecord
    totals: dict[str, Decimal]
    paid: Decimal
    secured: Decimal

    @property
    def due(self) -> Decimal:
        """What remains to pay (guarantees secure it but do not pay it)."""
        return max(self.record.total - self.paid, Decimal(0))

    @property
    def open(self) -> Decimal:
        """What is neither paid nor secured: what holds release."""
        return max(self.due - self.secured, Decimal(0))


def duties_view(*, db: Session, declaration_id: int) -> DutiesView | None:
    """The current assessment of a declaration with its payments, or None when it was not assessed."""
    record = payments.assessment_current(db=db, declaration_id=declaration_id)
    if record is None:
        return None
    totals: dict[str, Decimal] = {}
    for line in record.lines:
        totals[line.tax] = totals.get(line.tax, Decimal(0)) + line.amount
    return DutiesView(record, totals, payments.amount_paid(db=db, declaration_id=declaration_id),
                      secured(db=db, declaration_id=declaration_id))


def _paid_note(db: Session, declaration: Declaration, record: AssessmentRecord, payment: Payment, owed: Decimal,
               actor: Principal, now: datetime) -> None:
    """Write the "paid" event when this payment settled what the assessment still owed (`owed`, before it)."""
    if payment.status != "confirmed" or owed <= 0 or payments.amount_due(db=db, record=record) > 0:
        return  # not confirmed yet, already settled before (a repeated callback), or not all of it
    reason = paid_reason(amount=payment.amount, currency=payment.currency, account_id=payment.account_id,
                         reference=record.payment_reference)
    declaration_note(db=db, actor=actor, declaration=declaration, kind="paid", reason=reason, now=now, code="paid",
                     params={"amount": str(payment.amount), "currency": payment.currency,
                             "reference": record.payment_reference or ""})


@dataclass(frozen=True)
class Settled:
    """The outcome of a payment or a guarantee for a declaration."""

    declaration: Declaration
    record: AssessmentRecord
    payment: Payment | None
    released: bool


def _assessed(db: Session, actor: Principal, mrn: str, now: datetime) -> tuple[Declaration, AssessmentRecord]:
    declaration = selectors.declaration_for_change(db=db, actor=actor, mrn=mrn, now=now)
    record = payments.assessment_current(db=db, declaration_id=declaration.id)
    if record is None:
        raise refuse("payment_not_assessed", "/mrn", mrn=mrn)
    return declaration, record


def _payer(actor: Principal, declaration: Declaration) -> str:
    """Who pays: the trader calling, or the declarant when an officer records a payment at the office."""
    return actor.organisation_code if actor.role == "trader" else declaration.declarant_id


def declaration_pay(*, db: Session, actor: Principal, mrn: str, amount: Decimal | None,
                    method: Literal["gateway", "deferment"], account_id: int | None,
                    gateway: payments.PaymentGateway, release: Release, now: datetime) -> Settled:
    """Pay what a declaration owes, through a gateway or a deferment account, and release it if that was all."""
    declaration, record = _assessed(db, actor, mrn, now)
    payer = _payer(actor, declaration)
    owed = payments.amount_due(db=db, record=record)
    if method == "deferment":
        if amount is not None and amount != owed:
            raise refuse("payment_amount_mismatch", "/amount", due=str(owed), amount=str(amount))
        if account_id is None:
            raise refuse("deferment_unavailable", "/account_id", account=None)
        payment = payments.deferment_charge(db=db, assessment_id=record.id, account_id=account_id, payer_id=payer,
                                            now=now)
    else:
        payment = payments.payment_record(db=db, assessment_id=record.id, amount=owed if amount is None else amount,
                                          payer_id=payer, gateway=gateway, now=now)
    audit_record(db=db, actor=actor, action="payment.recorded", target_type="declaration", target_id=mrn, now=now,
                 detail={"method": method, "amount": str(payment.amount), "status": payment.status})
    _paid_note(db, declaration, record, payment, owed, actor, now)
    released = payment.status == "confirmed" and release.attempt(
        db=db, declaration=declaration, actor=SYSTEM_ACTOR,
        reason=f"duties paid (reference {record.payment_reference}): release", now=now,
        code="released.paid", params={"reference": record.payment_reference})
    return Settled(declaration, record, payment, released)


def payment_confirmed(*, db: Session, gateway_ref: str, release: Release, now: datetime) -> Settled:
    """Confirm a pending gateway payment (the gateway's callback) and release the declaration if that was all."""
    declaration_id = db.scalar(select(Payment.declaration_id).where(Payment.gateway_ref == gateway_ref).limit(1))
    if declaration_id is None:
        raise AssessmentNotFound([problem("payment_not_found", "", gateway_ref=gateway_ref)])
    # Lock the declaration before reading the payment, as every writer of its events does: a repeated
    # callback racing this one waits here, then finds the payment confirmed.
    declaration = db.scalars(select(Declaration).where(Declaration.id == declaration_id).with_for_update()).one()
    found = db.scalars(select(Payment).where(Payment.gateway_ref == gateway_ref).limit(1)).one()
    record = db.get(AssessmentRecord, found.assessment_id)
    owed = Decimal(0) if record is None else payments.amount_due(db=db, record=record)
    payment = payments.payment_confirm(db=db, gateway_ref=gateway_ref, now=now)  # refuses a superseded assessment
    assert record is not None  # payment_confirm found it
    _paid_note(db, declaration, record, payment, owed, SYSTEM_ACTOR, now)
    released = payment.status == "confirmed" and release.attempt(
        db=db, declaration=declaration, actor=SYSTEM_ACTOR,
        reason=f"duties paid (reference {record.payment_reference}): release", now=now,
        code="released.paid", params={"reference": record.payment_reference})
    return Settled(declaration, record, payment, released)


def declaration_secure(*, db: Session, actor: Principal, mrn: str, guarantee_id: int, release: Release,
                       now: datetime) -> Settled:
    """Secure what a declaration owes on a guarantee of its declarant, and release it if that was all."""
    declaration, record = _assessed(db, actor, mrn, now)
    open_amount = payments.amount_due(db=db, record=record) - secured(db=db, declaration_id=declaration.id)
    if open_amount <= 0:
        raise refuse("payment_settled", "", reference=record.payment_reference)
    payments.guarantee_secure(db=db, guarantee_id=guarantee_id, declaration_id=declaration.id, amount=open_amount,
                              holder_id=_payer(actor, declaration), on=now.date(), now=now)
    audit_record(db=db, actor=actor, action="guarantee.used", target_type="declaration", target_id=mrn,
                 detail={"guarantee": guarantee_id, "amount": str(open_amount)}, now=now)
    released = release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                               reason=f"duties secured by guarantee {guarantee_id}: release", now=now,
                               code="released.guarantee", params={"guarantee": str(guarantee_id)})
    return Settled(declaration, record, None, released)


def _cover_amended(db: Session, declaration: Declaration, record: AssessmentRecord, on: date, now: datetime) -> str:
    """Charge or secure what an amendment left open, as lodging would; a note on how, or nothing."""
    holder, owed = declaration.declarant_id, payments.amount_due(db=db, record=record)
    open_amount = owed - secured(db=db, declaration_id=record.declaration_id)
    if open_amount <= 0:
        return ""
    account = db.scalar(select(DefermentAccount.id).where(
        DefermentAccount.holder_id == holder, DefermentAccount.active.is_(True),
        DefermentAccount.currency == record.currency, DefermentAccount.credit_limit - DefermentAccount.used >= owed)
        .order_by(DefermentAccount.id).limit(1))
    if account is not None:
        payment = payments.deferment_charge(db=db, assessment_id=record.id, account_id=account, payer_id=holder,
                                            now=now)
        _paid_note(db, declaration, record, payment, owed, SYSTEM_ACTOR, now)
        return f"; charged to deferment account {account}"
    guarantee = guarantee_free(db=db, holder=holder, currency=record.currency, due=open_amount, on=on)
    if guarantee is None:
        return ""
    payments.guarantee_secure(db=db, guarantee_id=guarantee, declaration_id=record.declaration_id,
                              amount=open_amount, holder_id=holder, on=on, now=now)
    return f"; secured by guarantee {guarantee}"


def assessment_amend(*, db: Session, declaration: Declaration, document: Any, now: datetime) -> str | None:
    """Re-assess an amended declaration; the "reassessed" event's text, or None when nothing is assessed."""
    on = declaration.lodged_at.date()  # duties are those in force when the declaration was accepted
    bill: Bill = bill_assess(db=db, document=document, declarant=declaration.declarant_id, on=on)
    if bill.result is None:
        return None
    previous = list(db.scalars(select(AssessmentRecord).where(AssessmentRecord.declaration_id == declaration.id,
                                                              AssessmentRecord.superseded.is_(False))))
    for old in previous:
        old.superseded = True
    reference = payments.payment_reference_of(declaration.mrn, declaration.version)
    record = AssessmentRecord(**assessment_row(bill.result, declaration_id=declaration.id,
                                               version=declaration.version, office=declaration.office,
                                               reference=reference, now=now),
                              lines=[AssessmentLineRecord(**{k: v for k, v in row.items() if k != "assessment_id"})
                                     for row in line_rows(bill.result, None)])
    db.add(record)
    db.flush()
    revenue_book_assessment(db=db, record=record, previous=previous, now=now)
    db.flush()
    was = sum((old.total for old in previous), Decimal(0)) if previous else None
    return bill.assessed_text(reference, was) + _cover_amended(db, declaration, record, on, now)
