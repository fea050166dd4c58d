"""The payment that settles a declaration's duty writes one "paid" event: the Time Release Study payment milestone.

Paid means paid or charged to a deferment account; a guarantee only secures the duty.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from clearway.tariff.payments import GatewayResult
from tests.factories import auth, wiring
from tests.tariff_flow.conftest import SHIRTS, declaration_with, events, lodge


def _pay(client: Any, mrn: str, key: str, **body: Any) -> Any:
    return client.post("/api/v1/tariff/payments", json={"mrn": mrn, **body},
                       headers={**auth(client, "trader-a"), "Idempotency-Key": key})


def _paid(client: Any, mrn: str) -> list[dict[str, Any]]:
    return [e for e in events(client, mrn) if e["kind"] == "paid"]


def _account(client: Any, limit: str = "9000000") -> int:
    r = client.post("/api/v1/tariff/deferment-accounts", headers=auth(client, "officer"),
                    json={"holder_id": "KR1000000001", "currency": "KRW", "credit_limit": limit})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


class PendingGateway:
    """A gateway that confirms later, by callback."""

    name = "slowpay"

    def charge(self, *, reference: str, amount: Decimal, currency: str, payer_id: str) -> GatewayResult:
        """Accept the charge for confirmation later."""
        return GatewayResult("pending", f"SLOW-{reference}")


class NumberedGateway(PendingGateway):
    """A pending gateway whose references differ per attempt."""

    def __init__(self, attempt: int):
        self.attempt = attempt

    def charge(self, *, reference: str, amount: Decimal, currency: str, payer_id: str) -> GatewayResult:
        """Accept the charge for confirmation later, under this attempt's reference."""
        return GatewayResult("pending", f"SLOW-{reference}-{self.attempt}")


def test_a_payment_writes_one_paid_event_before_the_release(client, tariff):
    body = lodge(client, declaration_with({}))
    assert _pay(client, body["mrn"], "pay-1").status_code == 201
    assert _pay(client, body["mrn"], "pay-1").status_code == 201  # a retry: the same payment
    assert _pay(client, body["mrn"], "pay-2").json()["errors"][0]["code"] == "tariff.payment_settled"
    (paid,) = _paid(client, body["mrn"])
    assert paid["reason"].startswith("duties paid: 1714375 KRW, reference RF")
    assert (paid["actor"], paid["to_status"]) == ("trader-a", "channelled")
    assert [e["kind"] for e in events(client, body["mrn"])][-3:] == ["awaiting_payment", "paid", "released"]


def test_a_gateway_confirmation_writes_paid_once_and_releases(client, db, tariff):
    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import utcnow
    from clearway.tariff.service import declaration_pay, payment_confirmed

    body = lodge(client, declaration_with({}))
    with db.begin():
        actor = principal_of(db.scalars(select(User).where(User.username == "trader-a")).one())
        pending = declaration_pay(db=db, actor=actor, mrn=body["mrn"], amount=None, method="gateway",
                                  account_id=None, gateway=PendingGateway(), release=wiring().release,
                                  now=utcnow()).payment
        assert pending is not None and pending.gateway_ref
        gateway_ref = pending.gateway_ref
    assert _paid(client, body["mrn"]) == []  # not paid until the gateway confirms
    confirmed_at = utcnow() + timedelta(minutes=3)
    with db.begin():
        settled = payment_confirmed(db=db, gateway_ref=gateway_ref, release=wiring().release, now=confirmed_at)
        assert (settled.released, settled.declaration.status) == (True, "released")
    with db.begin():  # the gateway calls back again
        again = payment_confirmed(db=db, gateway_ref=gateway_ref, release=wiring().release,
                                  now=confirmed_at + timedelta(minutes=1))
        assert again.released is False
    (paid,) = _paid(client, body["mrn"])
    assert paid["actor"] == "system" and paid["at"].replace("Z", "+00:00") == confirmed_at.isoformat()


def test_a_deferment_charge_writes_paid(client, tariff):
    body = lodge(client, declaration_with({}))  # no account yet: waits for payment
    account = _account(client)
    r = _pay(client, body["mrn"], "defer-1", method="deferment", account_id=account)
    assert r.status_code == 201 and r.json()["released"] is True
    (paid,) = _paid(client, body["mrn"])
    assert paid["reason"].startswith(f"duties charged to deferment account {account}: 1714375 KRW")


def test_a_deferment_charge_at_lodging_is_paid_at_the_time_of_the_charge(client, tariff):
    account = _account(client)
    body = lodge(client, declaration_with({}))
    found = events(client, body["mrn"])
    assert [e["kind"] for e in found] == ["lodged", "accepted", "assessed", "paid", "channelled", "released"]
    paid = found[3]
    assert paid["at"] == found[0]["at"] and paid["actor"] == "system"
    assert paid["reason"].startswith(f"duties charged to deferment account {account}: 1714375 KRW, reference RF")


def test_a_guarantee_secures_without_paying(client, tariff):
    r = client.post("/api/v1/tariff/guarantees", headers=auth(client, "officer"), json={
        "reference": "G-PAID-1", "holder_id": "KR1000000001", "kind": "comprehensive", "currency": "KRW",
        "amount": "5000000", "valid_from": "2026-01-01"})
    assert r.status_code == 201, r.text
    body = lodge(client, declaration_with({}))
    assert body["status"] == "released" and _paid(client, body["mrn"]) == []
    assert _pay(client, body["mrn"], "pay-after-release").status_code == 201  # paying later is the payment
    assert len(_paid(client, body["mrn"])) == 1


def test_an_amendment_charged_to_deferment_writes_paid(client, tariff):
    doc = declaration_with({})
    body = lodge(client, doc)
    account = _account(client)
    r = client.put(f"/api/v1/declarations/{body['mrn']}", json={**declaration_with({}, SHIRTS), "lrn": doc["lrn"],
                                                                "reason": "Second invoice added"},
                   headers={**auth(client, "trader-a"), "If-Match": '"v1"'})
    assert r.status_code == 200, r.text
    (paid,) = _paid(client, body["mrn"])
    assert paid["reason"].startswith(f"duties charged to deferment account {account}: 2047650 KRW")
    assert paid["version"] == 2


def test_the_trader_is_told_the_duty_was_paid(client, db, tariff):
    from clearway.db import utcnow
    from clearway.notifications.relay import relay_once

    body = lodge(client, declaration_with({}))
    _pay(client, body["mrn"], "pay-n")
    with db.begin():
        relay_once(db=db, now=utcnow(), gap_wait_s=0)
    feed = client.get("/api/v1/notifications", headers=auth(client, "trader-a")).json()["items"]
    assert [n["type"] for n in feed][-3:] == ["duty.to_pay", "duty.paid", "declaration.released"]
    assert feed[-2]["data"]["event"] == "paid" and feed[-2]["data"]["mrn"] == body["mrn"]


def test_after_a_payment_the_release_report_measures_assessment_to_payment(client, db, tariff):
    from clearway.db import utcnow
    from clearway.performance.filters import Filters
    from clearway.performance.service import release_report

    body = lodge(client, declaration_with({}))
    assert _pay(client, body["mrn"], "pay-trs").status_code == 201
    with db.begin():
        report = release_report(db=db, filters=Filters(), by=(), now=utcnow())
    (stat,) = [s for s in report.stats if s.interval == "assessment_to_payment"]
    assert stat.count == 1 and stat.mean is not None and stat.mean >= 0


def test_two_confirmed_gateway_payments_book_the_revenue_once(client, db, tariff):
    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import utcnow
    from clearway.tariff.models import AssessmentRecord, RevenueRecord
    from clearway.tariff.payments import amount_due
    from clearway.tariff.service import declaration_pay, payment_confirmed

    body = lodge(client, declaration_with({}))
    refs = []
    for n in range(2):  # the trader starts two payments before the gateway answers either
        with db.begin():
            actor = principal_of(db.scalars(select(User).where(User.username == "trader-a")).one())

            refs.append(declaration_pay(db=db, actor=actor, mrn=body["mrn"], amount=None, method="gateway",
                                        account_id=None, gateway=NumberedGateway(n), release=wiring().release,
                                        now=utcnow()).payment.gateway_ref)
    for ref in refs:
        with db.begin():
            payment_confirmed(db=db, gateway_ref=ref, release=wiring().release, now=utcnow())
    with db.begin():
        record = db.scalars(select(AssessmentRecord).where(AssessmentRecord.superseded.is_(False))
                            .order_by(AssessmentRecord.id.desc())).first()
        collected = sum(r.amount for r in db.scalars(select(RevenueRecord).where(
            RevenueRecord.declaration_id == record.declaration_id, RevenueRecord.kind == "collected")))
        assert collected == record.total  # the second payment is an overpayment, not more revenue
        assert amount_due(db=db, record=record) == -record.total
    assert len(_paid(client, body["mrn"])) == 1
