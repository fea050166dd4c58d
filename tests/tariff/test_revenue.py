"""Revenue records: assessed, collected and adjusted amounts, each tied to one declaration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.errors import ValidationFailed
from clearway.tariff.models import RevenueRecord
from clearway.tariff.payments import DemoGateway, payment_record
from clearway.tariff.revenue import RevenueTotal, revenue_adjust, revenue_summary
from clearway.tariff.service import assessment_record
from tests.tariff.worked_schedule import declaration, item

JAN = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
FEB = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)


def _records(db: Session) -> list[tuple[int, str, str, int, str | None]]:
    rows = db.scalars(select(RevenueRecord).order_by(RevenueRecord.id))
    return [(r.declaration_id, r.kind, r.tax, int(r.amount), r.reason) for r in rows]


def _assess(db: Session, declaration_id: int, *items: dict[str, object], version: int = 1,
            now: datetime = JAN) -> int:
    record = assessment_record(db=db, declaration_id=declaration_id, declaration_version=version,
                               document=declaration(*items, currency="USD"), on=now.date(), now=now)
    return record.id


def test_assessment_books_assessed_revenue_per_tax(seeded: Session) -> None:
    # Whisky 1,000 USD: cv 1,300,000; duty 20 % = 260,000; excise 72 % x 1,560,000 = 1,123,200;
    # VAT (1,300,000 + 260,000 + 1,123,200) x 0.1 = 268,320
    _assess(seeded, 7, item("2208301000", "1000", qty=("70", "LTR")))
    assert _records(seeded) == [(7, "assessed", "duty", 260000, "assessment"),
                                (7, "assessed", "excise", 1123200, "assessment"),
                                (7, "assessed", "vat", 268320, "assessment")]


def test_amendment_books_only_the_difference(seeded: Session) -> None:
    _assess(seeded, 7, item("61091000", "1000"))  # duty 169,000; VAT 146,900
    _assess(seeded, 7, item("61091000", "1100"), version=2)  # duty 185,900; VAT 161,590
    assessed = [r for r in _records(seeded) if r[4] == "amendment"]
    assert assessed == [(7, "adjusted", "duty", 16900, "amendment"), (7, "adjusted", "vat", 14690, "amendment")]
    _assess(seeded, 7, item("85171300", "1100"), version=3)  # phones: duty 0; VAT 143,000
    totals: dict[str, int] = {}
    for _, _, tax, amount, _ in _records(seeded):
        totals[tax] = totals.get(tax, 0) + amount
    assert totals == {"duty": 0, "vat": 143000}  # assessed + amendment adjustments sum to the current bill


def test_payment_books_collected_revenue(seeded: Session) -> None:
    assessment_id = _assess(seeded, 7, item("61091000", "1000"))
    payment_record(db=seeded, assessment_id=assessment_id, amount=Decimal(315900), payer_id="KR1", now=JAN,
                   gateway=DemoGateway())
    assert [r for r in _records(seeded) if r[1] == "collected"] == [(7, "collected", "duty", 169000, "payment"),
                                                                   (7, "collected", "vat", 146900, "payment")]


def test_adjustments_from_findings(seeded: Session) -> None:
    revenue_adjust(db=seeded, declaration_id=7, office="KR0201", tax="duty", amount=Decimal(50000), currency="KRW",
                   reason="Undervaluation found at inspection", finding_ref="F-1", now=FEB)
    revenue_adjust(db=seeded, declaration_id=7, office="KR0201", tax="penalty", amount=Decimal(20000),
                   currency="KRW", reason="Penalty", finding_ref="F-1", now=FEB)
    assert [r[1:4] for r in _records(seeded)] == [("adjusted", "duty", 50000), ("adjusted", "penalty", 20000)]
    with pytest.raises(ValidationFailed):
        revenue_adjust(db=seeded, declaration_id=7, office="KR0201", tax="bribe", amount=Decimal(1), currency="KRW",
                       reason="?", finding_ref=None, now=FEB)


def test_summary_by_office_month_tax_and_kind(seeded: Session) -> None:
    first = _assess(seeded, 1, item("61091000", "1000"))  # KR0101 in January: duty 169,000; VAT 146,900
    payment_record(db=seeded, assessment_id=first, amount=Decimal(315900), payer_id="KR1", now=FEB,
                   gateway=DemoGateway())
    _assess(seeded, 2, item("61091000", "2000"), now=FEB)  # February: duty 338,000; VAT 293,800
    revenue_adjust(db=seeded, declaration_id=1, office="KR0201", tax="penalty", amount=Decimal(20000),
                   currency="KRW", reason="Penalty", finding_ref=None, now=FEB)
    summary = revenue_summary(db=seeded, date_from=date(2026, 1, 1), date_to=date(2026, 2, 28))
    assert [(t.office, t.period, t.tax, t.kind, int(t.amount)) for t in summary] == [
        ("KR0101", "2026-01", "duty", "assessed", 169000), ("KR0101", "2026-01", "vat", "assessed", 146900),
        ("KR0101", "2026-02", "duty", "assessed", 338000), ("KR0101", "2026-02", "duty", "collected", 169000),
        ("KR0101", "2026-02", "vat", "assessed", 293800), ("KR0101", "2026-02", "vat", "collected", 146900),
        ("KR0201", "2026-02", "penalty", "adjusted", 20000)]
    only = revenue_summary(db=seeded, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28), office="KR0201")
    assert only == [RevenueTotal("KR0201", "2026-02", "penalty", "adjusted", "KRW", Decimal(20000))]
