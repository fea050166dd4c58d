"""API shapes of a declaration's duties, its payments, deferment accounts and guarantees.

Amounts are Decimal strings in the national currency named by `currency`; ids are bounded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.body import Count
from clearway.declarations.schemas import Code3, DecimalStr, PartyId
from clearway.tariff.models import DefermentAccount, Guarantee, Payment
from clearway.tariff.settlement import DutiesView

Id = Annotated[Count, Field(ge=1, le=2_147_483_647)]
Mrn = Annotated[str, StringConstraints(pattern=r"^\d{2}[A-Z]{2}[A-Z0-9]{13}[0-9]$")]
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9./-]{0,34}$")]


def text(amount: Decimal | None) -> str | None:
    """A money amount as a plain decimal string (no exponent, no trailing zeros beyond the unit)."""
    return None if amount is None else format(amount.normalize(), "f")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PaymentCreate(_In):
    """Pay what a declaration owes: through the payment gateway, or charged to a deferment account."""

    mrn: Mrn
    method: Literal["gateway", "deferment"] = "gateway"
    amount: DecimalStr | None = Field(default=None, description="The whole amount due, as a check (optional)")
    account_id: Id | None = Field(default=None, description="The deferment account to charge (method deferment)")


class GuaranteeUseCreate(_In):
    """Secure what a declaration owes on a guarantee, so that it can be released before payment."""

    mrn: Mrn
    guarantee_id: Id


class DefermentAccountCreate(_In):
    """Open a deferred-payment account for a trader, with a credit limit."""

    holder_id: PartyId
    currency: Code3
    credit_limit: DecimalStr


class DefermentSettlementCreate(_In):
    """A trader's periodic settlement of a deferment account, freeing its limit."""

    amount: DecimalStr


class GuaranteeCreate(_In):
    """A guarantee (bond) lodged by a trader and accepted by customs."""

    reference: Reference
    holder_id: PartyId
    kind: Literal["comprehensive", "individual"]
    currency: Code3
    amount: DecimalStr
    valid_from: date
    valid_to: date | None = None


class DutyLineRead(BaseModel):
    """One tax on one item, with the measure that is its legal basis."""

    item: int = Field(description="Index of the item (pointer /items/{item}); -1 for a line of the whole "
                      "declaration (the penalty of a control's supplementary bill)")
    line: str
    tax: str
    base: str
    quantity: str | None
    rate: str
    amount: str
    measure_id: str
    preference: str | None
    relief: str | None


class DutiesRead(BaseModel):
    """A declaration's current assessment and what was paid or secured; assessed is false without one."""

    mrn: str
    assessed: bool
    currency: str | None = None
    declaration_version: int | None = None
    assessed_on: date | None = None
    schedule_version: int | None = None
    customs_value: str | None = None
    totals: dict[str, str] = Field(default_factory=dict, description="Total per tax")
    total: str | None = None
    paid: str | None = None
    secured: str | None = None
    due: str | None = Field(default=None, description="Total less payments")
    open: str | None = Field(default=None, description="Neither paid nor secured: what holds release")
    payment_reference: str | None = Field(default=None, description="ISO 11649 creditor reference")
    lines: list[DutyLineRead] = Field(default_factory=list)


class PaymentRead(BaseModel):
    """A payment (or deferment charge) against a declaration's assessment."""

    id: int
    method: str
    status: str
    amount: str
    currency: str
    gateway_ref: str | None
    account_id: int | None
    created_at: datetime
    confirmed_at: datetime | None


class SettlementRead(BaseModel):
    """The outcome of paying or securing a declaration's duties."""

    mrn: str
    declaration_status: str
    released: bool = Field(description="True when this settlement released the goods")
    payment: PaymentRead | None
    duties: DutiesRead


class DefermentAccountRead(BaseModel):
    """A deferred-payment account."""

    id: int
    holder_id: str
    currency: str
    credit_limit: str
    used: str
    available: str
    active: bool


class GuaranteeRead(BaseModel):
    """A guarantee and how much of it is free."""

    id: int
    reference: str
    holder_id: str
    kind: str
    currency: str
    amount: str
    available: str
    valid_from: date
    valid_to: date | None


def payment_read(p: Payment) -> PaymentRead:
    """The API view of a payment."""
    return PaymentRead(id=p.id, method=p.method, status=p.status, amount=text(p.amount) or "0", currency=p.currency,
                       gateway_ref=p.gateway_ref, account_id=p.account_id, created_at=p.created_at,
                       confirmed_at=p.confirmed_at)


def account_read(a: DefermentAccount) -> DefermentAccountRead:
    """The API view of a deferment account."""
    return DefermentAccountRead(id=a.id, holder_id=a.holder_id, currency=a.currency,
                                credit_limit=text(a.credit_limit) or "0", used=text(a.used) or "0",
                                available=text(a.credit_limit - a.used) or "0", active=a.active)


def guarantee_read(g: Guarantee, available: Decimal) -> GuaranteeRead:
    """The API view of a guarantee."""
    return GuaranteeRead(id=g.id, reference=g.reference, holder_id=g.holder_id, kind=g.kind, currency=g.currency,
                         amount=text(g.amount) or "0", available=text(available) or "0", valid_from=g.valid_from,
                         valid_to=g.valid_to)


def duties_read(mrn: str, view: DutiesView | None) -> DutiesRead:
    """The API view of a declaration's duties (assessed false when there is no assessment)."""
    if view is None:
        return DutiesRead(mrn=mrn, assessed=False)
    record = view.record
    return DutiesRead(
        mrn=mrn, assessed=True, currency=record.currency, declaration_version=record.declaration_version,
        assessed_on=record.assessed_on, schedule_version=record.schedule_version_id,
        customs_value=text(record.customs_value), totals={k: text(v) or "0" for k, v in view.totals.items()},
        total=text(record.total), paid=text(view.paid), secured=text(view.secured), due=text(view.due),
        open=text(view.open), payment_reference=record.payment_reference,
        lines=[DutyLineRead(item=x.item_index, line=x.line_code, tax=x.tax, base=text(x.base) or "0",
                            quantity=text(x.quantity), rate=x.rate, amount=text(x.amount) or "0",
                            measure_id=x.measure_ref, preference=x.preference, relief=x.relief)
               for x in record.lines])
