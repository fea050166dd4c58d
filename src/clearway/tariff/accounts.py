"""Deferment accounts and guarantees as traders and officers see them: who holds what, and how much is free.

A trader sees only its own accounts and guarantees; customs staff see every one. Opening an account
and accepting a guarantee are customs decisions. Amounts are rounded to the currency's minor unit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.errors import ValidationFailed
from clearway.reference import service as reference
from clearway.tariff import payments, rules
from clearway.tariff.errors import problem, refuse
from clearway.tariff.models import DefermentAccount, Guarantee


def audit_record(*, db: Session, actor: Principal, action: str, target_type: str, target_id: str,
                 detail: dict[str, Any], now: datetime) -> None:
    """Audit a money operation in the caller's transaction (payments, accounts, guarantees)."""
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=action,
                 target_type=target_type, target_id=target_id, detail=detail, at=now)


def _amount(value: str, currency: str, pointer: str) -> Decimal:
    """A positive amount rounded to the currency's minor unit, or a 422 with a pointer."""
    amount = rules.round_money(Decimal(value), rules.money_quantum(currency))
    if amount <= 0:
        raise ValidationFailed([problem("amount_not_positive", pointer, amount=value)])
    return amount


def _currency(currency: str) -> str:
    if currency not in reference.trade_currencies():
        raise ValidationFailed([problem("currency_unknown", "/currency", currency=currency)])
    return currency


def _holder_filter(actor: Principal) -> str | None:
    """The holder a caller is limited to: its own organisation for a trader, none for customs staff."""
    return actor.organisation_code if actor.role == "trader" else None


def accounts_list(*, db: Session, actor: Principal, holder_id: str | None = None) -> list[DefermentAccount]:
    """Deferment accounts a caller may see (a trader: its own), optionally of one holder."""
    query = select(DefermentAccount).order_by(DefermentAccount.id).limit(500)
    for holder in {h for h in (_holder_filter(actor), holder_id) if h}:
        query = query.where(DefermentAccount.holder_id == holder)
    return list(db.scalars(query))


def account_open(*, db: Session, actor: Principal, holder_id: str, currency: str, credit_limit: str,
                 now: datetime) -> DefermentAccount:
    """Open a deferment account for a trader (a customs decision, audited)."""
    code = _currency(currency)
    account = payments.deferment_account_open(db=db, holder_id=holder_id, currency=code,
                                              credit_limit=_amount(credit_limit, code, "/credit_limit"), now=now)
    audit_record(db=db, actor=actor, action="deferment.opened", target_type="deferment_account",
                 target_id=str(account.id), detail={"holder": holder_id, "limit": str(account.credit_limit)}, now=now)
    return account


def account_settle(*, db: Session, actor: Principal, account_id: int, amount: str,
                   now: datetime) -> DefermentAccount:
    """Record a trader's settlement of its deferment account, freeing that much of the limit (audited)."""
    account = db.get(DefermentAccount, account_id)
    if account is None:
        raise refuse("deferment_unavailable", "", account=account_id)
    value = _amount(amount, account.currency, "/amount")
    payments.deferment_settle(db=db, account_id=account_id, amount=value)
    audit_record(db=db, actor=actor, action="deferment.settled", target_type="deferment_account",
                 target_id=str(account_id), detail={"amount": str(value)}, now=now)
    return account


def guarantees_list(*, db: Session, actor: Principal, holder_id: str | None = None,
                    ) -> list[tuple[Guarantee, Decimal]]:
    """Guarantees a caller may see (a trader: its own), each with the amount still free."""
    query = select(Guarantee).order_by(Guarantee.id).limit(500)
    for holder in {h for h in (_holder_filter(actor), holder_id) if h}:
        query = query.where(Guarantee.holder_id == holder)
    return [(g, payments.guarantee_available(db=db, guarantee=g)) for g in db.scalars(query)]


def guarantee_accept(*, db: Session, actor: Principal, reference_text: str, holder_id: str, kind: str,
                     currency: str, amount: str, valid_from: date, valid_to: date | None, now: datetime) -> Guarantee:
    """Register a guarantee a trader lodged; its reference is unique (audited)."""
    code = _currency(currency)
    value = _amount(amount, code, "/amount")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed([problem("guarantee_dates", "/valid_to")])
    if db.scalar(select(Guarantee.id).where(Guarantee.reference == reference_text)) is not None:
        raise refuse("guarantee_reference_taken", "/reference", reference=reference_text)
    guarantee = payments.guarantee_register(db=db, reference=reference_text, holder_id=holder_id,
                                            kind="individual" if kind == "individual" else "comprehensive",
                                            currency=code, amount=value, valid_from=valid_from, valid_to=valid_to,
                                            now=now)
    audit_record(db=db, actor=actor, action="guarantee.accepted", target_type="guarantee",
                 target_id=reference_text, detail={"holder": holder_id, "amount": str(value)}, now=now)
    return guarantee
