"""Payments, deferment and guarantees decide whether a declaration is financially cleared for release."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from clearway.errors import Problem
from clearway.tariff.errors import FinanceRefused
from clearway.tariff.holds import duty_holds
from clearway.tariff.models import AssessmentRecord
from clearway.tariff.payments import (
    DemoGateway,
    GatewayResult,
    amount_due,
    deferment_account_open,
    deferment_charge,
    deferment_settle,
    guarantee_available,
    guarantee_register,
    guarantee_secure,
    payment_confirm,
    payment_record,
    payment_reference,
    payment_reference_valid,
)
from clearway.tariff.service import assessment_record
from tests.tariff.worked_schedule import declaration, item

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
DAY = NOW.date()
TRADER = "KR1000000001"


def _assess(db: Session, declaration_id: int = 1, value: str = "1000", version: int = 1) -> AssessmentRecord:
    # 1,000 USD x 1,300 = 1,300,000; duty 13 % = 169,000; VAT 146,900; total 315,900
    return assessment_record(db=db, declaration_id=declaration_id, declaration_version=version,
                             document=declaration(item("61091000", value), currency="USD"), on=DAY, now=NOW)


def _hold(db: Session, declaration_id: int) -> str | None:
    """The code of what the duty holds an import declaration by (None when nothing does)."""
    holds = duty_holds(db, SimpleNamespace(id=declaration_id, type="IM", mrn="-"))  # type: ignore[arg-type]
    return holds[0].code if holds else None


def _refusal(call: Callable[..., object], /, **kwargs: Any) -> Problem:
    """The one problem of the FinanceRefused a call raises."""
    with pytest.raises(FinanceRefused) as caught:
        call(**kwargs)
    (problem,) = caught.value.problems
    return problem


class PendingGateway:
    name = "slowpay"

    def charge(self, *, reference: str, amount: Decimal, currency: str, payer_id: str) -> GatewayResult:
        return GatewayResult("pending", f"SLOW-{reference}")


class FailingGateway:
    name = "nopay"

    def charge(self, *, reference: str, amount: Decimal, currency: str, payer_id: str) -> GatewayResult:
        return GatewayResult("failed", f"FAIL-{reference}")


def test_payment_reference_is_an_iso_11649_creditor_reference() -> None:
    assert payment_reference_valid("RF18539007547034")  # the standard's own example
    assert not payment_reference_valid("RF19539007547034")
    assert payment_reference(42).startswith("RF") and payment_reference_valid(payment_reference(42))
    assert payment_reference(42) != payment_reference(43)


def test_release_waits_for_an_assessment(seeded: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from clearway.config import get_settings

    monkeypatch.setenv("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "true")
    get_settings.cache_clear()
    try:
        assert _hold(seeded, 1) == "duty.not_assessed"  # an import with no assessment never goes: fail closed
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert _hold(seeded, 1) is None  # an administration that assesses duties elsewhere turned the check off


def test_unpaid_duty_holds_release_and_says_how_much(seeded: Session) -> None:
    record = _assess(seeded)
    assert record.total == Decimal(315900) and payment_reference_valid(record.payment_reference or "")
    (held,) = duty_holds(seeded, SimpleNamespace(id=1, type="IM", mrn="-"))  # type: ignore[arg-type]
    assert (held.code, held.party) == ("duty.unpaid", "trader")
    assert (held.params["due"], held.params["currency"]) == ("315900", "KRW")


def test_gateway_payment_clears_release(seeded: Session) -> None:
    record = _assess(seeded)
    payment = payment_record(db=seeded, assessment_id=record.id, amount=Decimal("315900"), payer_id=TRADER,
                             gateway=DemoGateway(), now=NOW)
    assert (payment.status, payment.gateway, payment.confirmed_at) == ("confirmed", "demo", NOW)
    assert _hold(seeded, 1) is None


def test_partial_and_repeated_payments_are_refused(seeded: Session) -> None:
    record = _assess(seeded)
    pay: dict[str, Any] = {"db": seeded, "assessment_id": record.id, "payer_id": TRADER, "gateway": DemoGateway(),
                           "now": NOW}
    assert _refusal(payment_record, amount=Decimal(100000), **pay).code == "tariff.payment_amount_mismatch"
    payment_record(amount=record.total, **pay)
    assert _refusal(payment_record, amount=record.total, **pay).code == "tariff.payment_settled"


def test_pending_payment_clears_release_once_the_gateway_confirms(seeded: Session) -> None:
    record = _assess(seeded)
    payment = payment_record(db=seeded, assessment_id=record.id, amount=record.total, payer_id=TRADER,
                             gateway=PendingGateway(), now=NOW)
    assert payment.status == "pending"
    assert _hold(seeded, 1) == "duty.unpaid"
    payment_confirm(db=seeded, gateway_ref=payment.gateway_ref or "", now=NOW)
    payment_confirm(db=seeded, gateway_ref=payment.gateway_ref or "", now=NOW)  # a repeated callback is harmless
    assert _hold(seeded, 1) is None


def test_failed_payment_is_kept_and_release_stays_held(seeded: Session) -> None:
    record = _assess(seeded)
    payment = payment_record(db=seeded, assessment_id=record.id, amount=record.total, payer_id=TRADER,
                             gateway=FailingGateway(), now=NOW)
    assert payment.status == "failed" and payment.id is not None
    assert _hold(seeded, 1) == "duty.unpaid"


def test_deferment_within_the_limit_clears_release(seeded: Session) -> None:
    record = _assess(seeded)
    account = deferment_account_open(db=seeded, holder_id=TRADER, currency="KRW", credit_limit=Decimal(1_000_000),
                                     now=NOW)
    payment = deferment_charge(db=seeded, assessment_id=record.id, account_id=account.id, payer_id=TRADER, now=NOW)
    assert (payment.method, payment.status, account.used) == ("deferment", "confirmed", Decimal(315900))
    assert _hold(seeded, 1) is None


def test_insufficient_deferment_balance_is_refused_and_holds_release(seeded: Session) -> None:
    first, second = _assess(seeded, 1), _assess(seeded, 2)
    account = deferment_account_open(db=seeded, holder_id=TRADER, currency="KRW", credit_limit=Decimal(500_000),
                                     now=NOW)
    charge: dict[str, Any] = {"db": seeded, "account_id": account.id, "payer_id": TRADER, "now": NOW}
    deferment_charge(assessment_id=first.id, **charge)
    problem = _refusal(deferment_charge, assessment_id=second.id, **charge)
    assert problem.code == "tariff.deferment_insufficient"
    assert problem.params == {"available": "184100", "amount": "315900"}
    assert _hold(seeded, 2) == "duty.unpaid"
    deferment_settle(db=seeded, account_id=account.id, amount=Decimal(315900))  # the monthly settlement
    deferment_charge(assessment_id=second.id, **charge)
    assert _hold(seeded, 2) is None


def test_another_traders_account_cannot_be_charged(seeded: Session) -> None:
    record = _assess(seeded)
    account = deferment_account_open(db=seeded, holder_id="KR999", currency="KRW", credit_limit=Decimal(10**9),
                                     now=NOW)
    problem = _refusal(deferment_charge, db=seeded, assessment_id=record.id, account_id=account.id, payer_id=TRADER,
                       now=NOW)
    assert problem.code == "tariff.deferment_unavailable"


def test_guarantee_allows_release_before_payment_and_payment_discharges_it(seeded: Session) -> None:
    record = _assess(seeded)
    guarantee = guarantee_register(db=seeded, reference="G-1", holder_id=TRADER, kind="comprehensive",
                                   currency="KRW", amount=Decimal(1_000_000), valid_from=date(2026, 1, 1),
                                   valid_to=date(2026, 12, 31), now=NOW)
    guarantee_secure(db=seeded, guarantee_id=guarantee.id, declaration_id=1, amount=record.total, holder_id=TRADER,
                     on=DAY, now=NOW)
    assert _hold(seeded, 1) is None  # WTO TFA 7.3
    assert guarantee_available(db=seeded, guarantee=guarantee) == Decimal(684100)
    payment_record(db=seeded, assessment_id=record.id, amount=amount_due(db=seeded, record=record), payer_id=TRADER,
                   gateway=DemoGateway(), now=NOW)
    assert guarantee_available(db=seeded, guarantee=guarantee) == Decimal(1_000_000)


def _guarantee(db: Session, reference: str, amount: int, valid_from: date, valid_to: date | None = None,
               kind: str = "comprehensive") -> int:
    return guarantee_register(db=db, reference=reference, holder_id=TRADER, kind=kind,  # type: ignore[arg-type]
                              currency="KRW", amount=Decimal(amount), valid_from=valid_from, valid_to=valid_to,
                              now=NOW).id


def test_guarantee_too_small_expired_or_individual_in_use_is_refused(seeded: Session) -> None:
    _assess(seeded)
    secure: dict[str, Any] = {"db": seeded, "holder_id": TRADER, "on": DAY, "now": NOW}
    small = _guarantee(seeded, "G-2", 100_000, date(2026, 1, 1))
    problem = _refusal(guarantee_secure, guarantee_id=small, declaration_id=1, amount=Decimal(315900), **secure)
    assert problem.code == "tariff.guarantee_insufficient"
    old = _guarantee(seeded, "G-3", 10**7, date(2025, 1, 1), date(2025, 12, 31))
    problem = _refusal(guarantee_secure, guarantee_id=old, declaration_id=1, amount=Decimal(1), **secure)
    assert problem.code == "tariff.guarantee_expired"
    single = _guarantee(seeded, "G-4", 10**7, date(2026, 1, 1), kind="individual")
    guarantee_secure(guarantee_id=single, declaration_id=1, amount=Decimal(1), **secure)
    problem = _refusal(guarantee_secure, guarantee_id=single, declaration_id=2, amount=Decimal(1), **secure)
    assert problem.code == "tariff.guarantee_insufficient"
    assert _hold(seeded, 1) == "duty.unpaid"


def test_amendment_reassesses_and_only_the_difference_is_due(seeded: Session) -> None:
    first = _assess(seeded)
    pay: dict[str, Any] = {"db": seeded, "payer_id": TRADER, "gateway": DemoGateway(), "now": NOW}
    payment_record(assessment_id=first.id, amount=first.total, **pay)
    # Amended to 1,100 USD: cv 1,430,000; duty 185,900; VAT 161,590; total 347,490; 31,590 more to pay
    second = _assess(seeded, value="1100", version=2)
    assert first.superseded and not second.superseded
    assert amount_due(db=seeded, record=second) == Decimal(31590)
    assert _hold(seeded, 1) == "duty.unpaid"
    problem = _refusal(payment_record, assessment_id=first.id, amount=Decimal(31590), **pay)
    assert problem.code == "tariff.assessment_superseded"
    payment_record(assessment_id=second.id, amount=Decimal(31590), **pay)
    assert _hold(seeded, 1) is None
