"""The "assessed" step of lodging: the bill of a declaration, its warnings, and how an amount due is covered.

Everything here runs before the declaration is written and hands its rows to `writes.insert_family`
as extra groups, so the declaration, its assessment with lines and its revenue records are one
write (one statement on PostgreSQL). No national schedule at all: the declaration is not assessed
and the event says so. A schedule but a missing line, measure or rate: lodging is refused with the
tariff's coded problems. Warnings (a contradicted advance ruling, a preference not applied) never
refuse a declaration; they go into the "assessed" event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.orm import Session

from clearway.errors import DeclarationInvalid, Problem
from clearway.i18n import translate
from clearway.tariff import rules
from clearway.tariff.cache import TariffState, tariff_state
from clearway.tariff.compute import Assessment, DocumentLike, compute_duties
from clearway.tariff.errors import DutyNotComputable
from clearway.tariff.models import (
    AssessmentLineRecord,
    AssessmentRecord,
    DefermentAccount,
    Guarantee,
    GuaranteeUse,
    Payment,
    RevenueRecord,
)
from clearway.tariff.payments import payment_reference_of
from clearway.tariff.rulings import rulings_contradicted
from clearway.tariff.snapshot import Schedule
from clearway.writes import PARENT_ID, IdOf, Rows

ASSESSED = IdOf("a")  # the new assessment's id, for its lines and revenue
_ASSESSMENTS, _LINES, _REVENUE = (cast(Table, m.__table__) for m in (AssessmentRecord, AssessmentLineRecord,
                                                                       RevenueRecord))
_PAYMENTS, _USES, _ACCOUNTS = (cast(Table, m.__table__) for m in (Payment, GuaranteeUse, DefermentAccount))
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Cover:
    """How an amount due was covered at lodging: charged to a deferment account or secured by a guarantee."""

    method: str  # deferment, guarantee
    source_id: int


@dataclass
class Bill:
    """What the tariff adds to one lodgement."""

    result: Assessment | None
    not_assessed: str | None = None  # why there is no assessment, in plain words
    warnings: list[Problem] = field(default_factory=list)
    cover: Cover | None = None

    @property
    def due(self) -> Decimal:
        """The amount to pay before release (nothing when not assessed)."""
        return _ZERO if self.result is None else self.result.total

    @property
    def cleared(self) -> bool:
        """True when release need not wait for money: nothing due, or the amount is covered."""
        return self.due <= 0 or self.cover is not None

    def assessed_text(self, reference: str | None, previous: Decimal | None = None) -> str:
        """The reason of an "assessed" (or, with the previous total, "reassessed") event, with the warnings."""
        if self.result is None:
            text = self.not_assessed or "duties not assessed"
        else:
            r = self.result
            taxes = ", ".join(f"{tax} {money_text(amount, r.currency)}" for tax, amount in r.totals.items() if amount)
            text = "duties re-assessed after amendment" if previous is not None else "duties assessed"
            text += f": total {money_text(r.total, r.currency)}" + (f" ({taxes})" if taxes else "")
            if previous is not None:
                text += f", previously {money_text(previous, r.currency)}"
            if r.total > 0:
                text += f", payment reference {reference}"
        notes = [translate(w.code, "en", **w.params) for w in self.warnings]
        return text + "".join(f"; warning: {note}" for note in notes)

    def awaiting_text(self, reference: str | None) -> str:
        """The reason of the "awaiting payment" event."""
        assert self.result is not None
        return f"awaiting payment or guarantee of {money_text(self.due, self.result.currency)}, reference {reference}"

    def paid_text(self, reference: str | None) -> str | None:
        """The reason of the "paid" event when lodging charged the amount to a deferment account, else None."""
        if self.result is None or self.cover is None or self.cover.method != "deferment":
            return None  # a guarantee secures the duty but does not pay it
        return paid_reason(amount=self.due, currency=self.result.currency, account_id=self.cover.source_id,
                           reference=reference)

    def released_text(self, channel: str) -> str:
        """The reason of an automatic release, saying how an amount due was covered."""
        text = f"{channel} channel: automatic release"
        if self.cover is not None and self.result is not None:
            how = "charged to deferment account" if self.cover.method == "deferment" else "secured by guarantee"
            text += f"; {money_text(self.due, self.result.currency)} {how} {self.cover.source_id}"
        return text


def money_text(amount: Decimal, currency: str) -> str:
    """An amount rounded to its currency's minor unit, with the currency code."""
    return f"{rules.round_money(amount, rules.money_quantum(currency))} {currency}"


def paid_reason(*, amount: Decimal, currency: str, account_id: int | None, reference: str | None) -> str:
    """The reason of a "paid" event: the amount that settled the assessment, and how."""
    how = "paid" if account_id is None else f"charged to deferment account {account_id}"
    return f"duties {how}: {money_text(amount, currency)}, reference {reference}"


def currencies_needed(schedule: Schedule, document: DocumentLike) -> set[str]:
    """The declaration currency and those of specific amounts on the declared lines."""
    found = {document.currency}
    for item in document.items:
        line, _ = schedule.find(item.hs_code)
        if line is not None:
            found.update(m.currency for ms in line.candidates.values() for m in ms if m.currency)
    return found


def bill_compute(*, db: Session, state: TariffState, document: DocumentLike, on: date) -> Assessment:
    """The duties of a document with the cached schedule and rates; DeclarationInvalid when not computable."""
    assert state.schedule is not None
    rates = state.rate_table(db, currencies_needed(state.schedule, document), on)
    try:
        return compute_duties(document=document, schedule=state.schedule, rates=rates, on=on)
    except DutyNotComputable as exc:
        raise DeclarationInvalid(exc.problems) from None


def bill_assess(*, db: Session, document: Any, declarant: str, on: date) -> Bill:
    """The bill of a validated declaration and its warnings; DeclarationInvalid when it cannot be computed."""
    if document.type != "IM":
        return Bill(None, f"{'export' if document.type == 'EX' else 'transit'} declaration: no import duties")
    state = tariff_state(db=db)
    if state.schedule is None:
        return Bill(None, "no national tariff schedule is loaded: duties were not assessed")
    result = bill_compute(db=db, state=state, document=document, on=on)
    warnings = list(result.notices)
    if declarant in state.ruling_holders:
        warnings = rulings_contradicted(db=db, declarant_id=declarant, document=document, on=on) + warnings
    return Bill(result, warnings=warnings)


def lodging_assess(*, db: Session, document: Any, declarant: str, on: date) -> Bill:
    """The bill at lodging, with an amount due charged to a deferment account or secured by a guarantee."""
    bill = bill_assess(db=db, document=document, declarant=declarant, on=on)
    if bill.result is not None and bill.result.total > 0 and declarant in tariff_state(db=db).finance_holders:
        bill.cover = bill_cover(db=db, holder=declarant, currency=bill.result.currency, due=bill.result.total, on=on)
    return bill


def bill_cover(*, db: Session, holder: str, currency: str, due: Decimal, on: date) -> Cover | None:
    """Charge a deferment account with room for the amount, else secure it on a free guarantee."""
    table = _ACCOUNTS.c
    accounts = db.scalars(select(DefermentAccount.id).where(
        DefermentAccount.holder_id == holder, DefermentAccount.active.is_(True), DefermentAccount.currency == currency,
        DefermentAccount.credit_limit - DefermentAccount.used >= due).order_by(DefermentAccount.id)).all()
    for account_id in accounts:  # the guarded update wins or loses a race with a concurrent lodgement cleanly
        charged = db.execute(update(_ACCOUNTS).values(used=table.used + due).where(
            table.id == account_id, table.credit_limit - table.used >= due))
        if charged.rowcount == 1:  # type: ignore[attr-defined]
            return Cover("deferment", account_id)
    guarantee_id = guarantee_free(db=db, holder=holder, currency=currency, due=due, on=on)
    return None if guarantee_id is None else Cover("guarantee", guarantee_id)


def guarantee_free(*, db: Session, holder: str, currency: str, due: Decimal, on: date) -> int | None:
    """A guarantee of the holder valid on the day with room for the amount, locked until commit."""
    guarantees = db.execute(select(Guarantee.id, Guarantee.kind, Guarantee.amount).where(
        Guarantee.holder_id == holder, Guarantee.currency == currency, Guarantee.valid_from <= on,
        or_(Guarantee.valid_to.is_(None), Guarantee.valid_to >= on)).order_by(Guarantee.id).with_for_update()).all()
    if not guarantees:
        return None
    # Read after the lock, so a concurrent lodgement's use of the same guarantee is seen.
    used = dict(db.execute(select(GuaranteeUse.guarantee_id, func.sum(GuaranteeUse.amount)).where(
        GuaranteeUse.guarantee_id.in_([g.id for g in guarantees]), GuaranteeUse.discharged_at.is_(None))
        .group_by(GuaranteeUse.guarantee_id)).tuples().all())
    for guarantee_id, kind, amount in guarantees:
        in_use = Decimal(used.get(guarantee_id) or 0)
        if amount - in_use >= due and (kind == "comprehensive" or not in_use):
            return int(guarantee_id)
    return None


def assessment_row(result: Assessment, *, declaration_id: Any, version: int, office: str, reference: str,
                   now: datetime) -> dict[str, Any]:
    """The tariff_assessments row of a computed bill."""
    return {"declaration_id": declaration_id, "declaration_version": version, "office": office,
            "schedule_version_id": result.schedule_version, "assessed_on": result.on, "currency": result.currency,
            "customs_value": result.customs_value, "total": result.total, "final": True, "superseded": False,
            "payment_reference": reference, "created_at": now}


def line_rows(result: Assessment, assessment_id: Any) -> list[dict[str, Any]]:
    """The tariff_assessment_lines rows of a computed bill: one per item and tax, with its measure."""
    return [dict(assessment_id=assessment_id, item_index=t.item, line_code=result.items[t.item].line, tax=t.tax,
                 base=t.base, quantity=t.quantity, rate=t.rate, amount=t.amount, measure_ref=t.measure_id,
                 preference=t.preference, relief=t.relief) for t in result.lines]


def _revenue(result: Assessment, kind: str, reason: str, office: str, on: date, now: datetime) -> list[dict[str, Any]]:
    return [{"declaration_id": PARENT_ID, "assessment_id": ASSESSED, "office": office, "tax": tax, "kind": kind,
             "amount": amount, "currency": result.currency, "booked_on": on, "reason": reason, "finding_ref": None,
             "created_at": now} for tax, amount in result.totals.items() if amount]


def bill_rows(bill: Bill, *, mrn: str, office: str, payer: str, now: datetime) -> list[Rows]:
    """The rows a lodgement's bill adds to the declaration's write: assessment, lines, revenue, cover."""
    result = bill.result
    if result is None:
        return []
    row = assessment_row(result, declaration_id=PARENT_ID, version=1, office=office,
                         reference=payment_reference_of(mrn, 1), now=now)
    groups = [Rows(_ASSESSMENTS, [row], "a"),
              Rows(_LINES, line_rows(result, ASSESSED)),
              Rows(_REVENUE, _revenue(result, "assessed", "assessment", office, result.on, now))]
    cover = bill.cover
    if cover is not None and cover.method == "deferment":
        groups.append(Rows(_PAYMENTS, [{
            "assessment_id": ASSESSED, "declaration_id": PARENT_ID, "method": "deferment", "gateway": None,
            "gateway_ref": None, "account_id": cover.source_id, "payer_id": payer, "amount": result.total,
            "currency": result.currency, "status": "confirmed", "created_at": now, "confirmed_at": now}]))
        groups.append(Rows(_REVENUE, _revenue(result, "collected", "payment", office, now.date(), now)))
    elif cover is not None:
        groups.append(Rows(_USES, [{"guarantee_id": cover.source_id, "declaration_id": PARENT_ID,
                                                     "amount": result.total, "created_at": now,
                                                     "discharged_at": None}]))
    return groups
