"""Payments, deferment accounts and guarantees.

A payment settles the whole outstanding amount of a declaration's current assessment (partial
payments are refused, so collected revenue per tax is exact). Payments go through a gateway
adapter; deferment charges a trader's account within its limit; a guarantee secures the duty so
that goods may be released before it is paid or final (WTO TFA 7.3). Nothing here knows declarations:
`settlement` wraps these for a declaration and writes its "paid" event when a payment settles it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, NamedTuple, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.tariff import rules
from clearway.tariff.cache import tariff_cache_invalidate
from clearway.tariff.errors import AssessmentNotFound, problem, refuse
from clearway.tariff.models import AssessmentRecord, DefermentAccount, Guarantee, GuaranteeUse, Payment
from clearway.tariff.revenue import revenue_book_collected

_ZERO = Decimal(0)


def _text(amount: Decimal, currency: str) -> str:
    """An amount as message text in the currency's minor unit, however the database returned it."""
    return str(rules.round_money(amount, rules.money_quantum(currency)))


class GatewayResult(NamedTuple):
    """What a payment gateway answered: confirmed now, pending (confirmed later by callback), or failed."""

    status: Literal["confirmed", "pending", "failed"]
    gateway_ref: str


class PaymentGateway(Protocol):
    """The interface a payment gateway adapter implements; `charge` must not commit anything of ours."""

    name: str

    def charge(self, *, reference: str, amount: Decimal, currency: str, payer_id: str) -> GatewayResult:
        """Ask the gateway to collect an amount for a payment reference."""
        ...


class DemoGateway:
    """A gateway for demos and tests that confirms every charge at once."""

    name = "demo"

    def charge(self, *, reference: str, amount: Decimal, currency: str, payer_id: str) -> GatewayResult:
        """Confirm immediately with a fresh gateway reference."""
        return GatewayResult("confirmed", f"DEMO-{uuid.uuid4().hex[:20]}")


class NoGateway:
    """The gateway of a deployment that has none configured: every charge through it is refused."""

    name = "none"

    def charge(self, *, reference: str, amount: Decimal, currency: str, payer_id: str) -> GatewayResult:
        """Refuse: no payment gateway is configured here."""
        raise refuse("gateway_unavailable", "/method")


def payment_reference(assessment_id: int) -> str:
    """The ISO 11649 structured creditor reference ("RF" + check digits) of an assessment."""
    body = f"CW{assessment_id:010d}"
    check = 98 - int("".join(str(int(c, 36)) for c in body + "RF00")) % 97
    return f"RF{check:02d}{body}"


def payment_reference_of(mrn: str, version: int) -> str:
    """The ISO 11649 reference of a declaration version's assessment, known before anything is written."""
    body = f"{mrn}{version:03d}"  # 18 + 3 characters: the 21 ISO 11649 allows
    check = 98 - int("".join(str(int(c, 36)) for c in body + "RF00")) % 97
    return f"RF{check:02d}{body}"


def payment_reference_valid(reference: str) -> bool:
    """True when an ISO 11649 reference has correct check digits."""
    text = reference.replace(" ", "").upper()
    if len(text) < 5 or not text.startswith("RF") or not text.isalnum():
        return False
    return int("".join(str(int(c, 36)) for c in text[4:] + text[:4])) % 97 == 1


def assessment_current(*, db: Session, declaration_id: int) -> AssessmentRecord | None:
    """The assessment in force for a declaration (the latest, not superseded by an amendment)."""
    return db.scalars(select(AssessmentRecord).where(AssessmentRecord.declaration_id == declaration_id,
                                                     AssessmentRecord.superseded.is_(False))
                      .order_by(AssessmentRecord.id.desc()).limit(1)).first()


def amount_paid(*, db: Session, declaration_id: int) -> Decimal:
    """Confirmed payments (including deferment charges) for a declaration, over all its assessments."""
    total = db.scalar(select(func.sum(Payment.amount)).where(Payment.declaration_id == declaration_id,
                                                             Payment.status == "confirmed"))
    return Decimal(total or 0)


def amount_due(*, db: Session, record: AssessmentRecord) -> Decimal:
    """What remains to pay on a declaration's current assessment."""
    return record.total - amount_paid(db=db, declaration_id=record.declaration_id)


def _assessment(db: Session, assessment_id: int) -> AssessmentRecord:
    record = db.get(AssessmentRecord, assessment_id)
    if record is None:
        raise AssessmentNotFound([problem("assessment_not_found", "", id=assessment_id)])
    if record.superseded:
        raise refuse("assessment_superseded", "", id=assessment_id)
    return record


def _due_or_refuse(db: Session, record: AssessmentRecord, amount: Decimal | None) -> Decimal:
    due = amount_due(db=db, record=record)
    if due <= 0:
        raise refuse("payment_settled", "", reference=record.payment_reference)
    if amount is not None and amount != due:
        raise refuse("payment_amount_mismatch", "/amount", due=_text(due, record.currency),
                     amount=_text(amount, record.currency))
    return due


def _confirmed(db: Session, payment: Payment, record: AssessmentRecord, now: datetime) -> None:
    payment.status, payment.confirmed_at = "confirmed", now
    db.flush()
    if amount_due(db=db, record=record) <= 0:
        revenue_book_collected(db=db, record=record, now=now)
        guarantee_discharge(db=db, declaration_id=record.declaration_id, now=now)
    db.flush()


def payment_record(*, db: Session, assessment_id: int, amount: Decimal, payer_id: str, gateway: PaymentGateway,
                   now: datetime) -> Payment:
    """Charge the outstanding amount through a gateway and record the payment with the gateway's answer."""
    record = _assessment(db, assessment_id)
    due = _due_or_refuse(db, record, amount)
    answer = gateway.charge(reference=record.payment_reference or "", amount=due, currency=record.currency,
                            payer_id=payer_id)
    payment = Payment(assessment_id=record.id, declaration_id=record.declaration_id, method="gateway",
                      gateway=gateway.name, gateway_ref=answer.gateway_ref, payer_id=payer_id, amount=due,
                      currency=record.currency, status="pending", created_at=now)
    db.add(payment)
    db.flush()
    if answer.status == "confirmed":
        _confirmed(db, payment, record, now)
    elif answer.status == "failed":
        payment.status = "failed"
        db.flush()
    return payment


def payment_confirm(*, db: Session, gateway_ref: str, now: datetime) -> Payment:
    """Confirm a pending payment when its gateway calls back; confirming twice changes nothing.

    A gateway callback goes through `settlement.payment_confirmed`, which also writes the "paid" event.
    """
    payment = db.scalars(select(Payment).where(Payment.gateway_ref == gateway_ref)).first()
    if payment is None:
        raise AssessmentNotFound([problem("payment_not_found", "", gateway_ref=gateway_ref)])
    if payment.status == "pending":
        _confirmed(db, payment, _assessment(db, payment.assessment_id), now)
    return payment


def deferment_account_open(*, db: Session, holder_id: str, currency: str, credit_limit: Decimal,
                           now: datetime) -> DefermentAccount:
    """Open a deferred-payment account with a credit limit."""
    account = DefermentAccount(holder_id=holder_id, currency=currency, credit_limit=credit_limit, used=_ZERO,
                               active=True, created_at=now)
    db.add(account)
    db.flush()
    tariff_cache_invalidate()  # lodging may now charge this holder's account
    return account


def deferment_charge(*, db: Session, assessment_id: int, account_id: int, payer_id: str,
                     now: datetime) -> Payment:
    """Charge an assessment's outstanding amount to a deferment account, refused beyond its limit."""
    record = _assessment(db, assessment_id)
    account = db.get(DefermentAccount, account_id)
    if account is None or not account.active or account.holder_id != payer_id:
        raise refuse("deferment_unavailable", "/account_id", account=account_id)
    if account.currency != record.currency:
        raise refuse("deferment_currency", "/account_id", currency=account.currency, expected=record.currency)
    due = _due_or_refuse(db, record, None)
    available = account.credit_limit - account.used
    if due > available:
        raise refuse("deferment_insufficient", "/account_id", available=_text(available, account.currency),
                     amount=_text(due, account.currency))
    account.used += due
    payment = Payment(assessment_id=record.id, declaration_id=record.declaration_id, method="deferment",
                      account_id=account.id, payer_id=payer_id, amount=due, currency=record.currency,
                      status="pending", created_at=now)
    db.add(payment)
    _confirmed(db, payment, record, now)
    return payment


def deferment_settle(*, db: Session, account_id: int, amount: Decimal) -> DefermentAccount:
    """Record the trader's periodic settlement of a deferment account, freeing its limit."""
    account = db.get(DefermentAccount, account_id)
    if account is None or amount <= 0 or amount > account.used:
        raise refuse("deferment_settlement", "/amount", amount=str(amount))
    account.used -= amount
    db.flush()
    return account


def guarantee_register(*, db: Session, reference: str, holder_id: str, kind: Literal["comprehensive", "individual"],
                       currency: str, amount: Decimal, valid_from: date, valid_to: date | None,
                       now: datetime) -> Guarantee:
    """Register a guarantee lodged by a trader."""
    guarantee = Guarantee(reference=reference, holder_id=holder_id, kind=kind, currency=currency, amount=amount,
                          valid_from=valid_from, valid_to=valid_to, created_at=now)
    db.add(guarantee)
    db.flush()
    tariff_cache_invalidate()  # lodging may now secure on this holder's guarantee
    return guarantee


def guarantee_available(*, db: Session, guarantee: Guarantee) -> Decimal:
    """The part of a guarantee not securing any declaration yet."""
    used = db.scalar(select(func.sum(GuaranteeUse.amount)).where(GuaranteeUse.guarantee_id == guarantee.id,
                                                                 GuaranteeUse.discharged_at.is_(None)))
    return guarantee.amount - Decimal(used or 0)


def guarantee_secure(*, db: Session, guarantee_id: int, declaration_id: int, amount: Decimal, holder_id: str,
                     on: date, now: datetime) -> GuaranteeUse:
    """Secure an amount (the provisional duty) for a declaration on a guarantee valid on the date."""
    guarantee = db.get(Guarantee, guarantee_id)
    if guarantee is None or guarantee.holder_id != holder_id:
        raise refuse("guarantee_unavailable", "/guarantee_id", guarantee=guarantee_id)
    if on < guarantee.valid_from or (guarantee.valid_to is not None and on > guarantee.valid_to):
        raise refuse("guarantee_expired", "/guarantee_id", reference=guarantee.reference)
    available = guarantee_available(db=db, guarantee=guarantee)
    in_use = guarantee.kind == "individual" and available < guarantee.amount
    if amount > available or in_use:
        raise refuse("guarantee_insufficient", "/amount", available=_text(available, guarantee.currency),
                     amount=_text(amount, guarantee.currency))
    use = GuaranteeUse(guarantee_id=guarantee.id, declaration_id=declaration_id, amount=amount, created_at=now)
    db.add(use)
    db.flush()
    return use


def guarantee_discharge(*, db: Session, declaration_id: int, now: datetime) -> int:
    """Free every guarantee amount securing a declaration (its duty is paid); returns how many."""
    uses = db.scalars(select(GuaranteeUse).where(GuaranteeUse.declaration_id == declaration_id,
                                                 GuaranteeUse.discharged_at.is_(None))).all()
    for use in uses:
        use.discharged_at = now
    db.flush()
    return len(uses)
