"""Release needs payment or guarantee (WTO TFA 7.3): green goods with duty due wait; paying releases them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from clearway.audit.models import AuditRecord
from clearway.tariff.models import DefermentAccount, Payment, RevenueRecord
from tests.factories import auth
from tests.tariff_flow.conftest import PHONES_TOTAL, SHIRTS, WHISKY, declaration_with, duties, events, lodge


def _pay(client, mrn, key, user="trader-a", **body):
    return client.post("/api/v1/tariff/payments", json={"mrn": mrn, **body},
                       headers={**auth(client, user), "Idempotency-Key": key})


def test_green_with_duty_due_waits_for_payment_and_payment_releases_it(client, db, tariff):
    body = lodge(client, declaration_with({}))
    assert (body["channel"], body["status"]) == ("green", "channelled")
    waiting = events(client, body["mrn"])[-1]
    reference = duties(client, body["mrn"])["payment_reference"]
    assert waiting["kind"] == "awaiting_payment" and reference in waiting["reason"]
    assert "1714375 KRW" in waiting["reason"]
    first = _pay(client, body["mrn"], "pay-1", amount="1714375")
    assert first.status_code == 201, first.text
    paid = first.json()
    assert (paid["released"], paid["declaration_status"], paid["payment"]["status"]) == (True, "released", "confirmed")
    assert (paid["duties"]["due"], paid["duties"]["paid"]) == ("0", "1714375")
    again = _pay(client, body["mrn"], "pay-1", amount="1714375")  # a retry: the same answer, one payment
    assert again.status_code == 201 and again.json() == paid
    assert [e["kind"] for e in events(client, body["mrn"])][-3:] == ["awaiting_payment", "paid", "released"]
    with db.begin():
        assert db.scalar(select(func.count()).select_from(Payment)) == 1
        collected = db.scalar(select(func.sum(RevenueRecord.amount)).where(RevenueRecord.kind == "collected"))
        audited = db.scalars(select(AuditRecord.actor).where(AuditRecord.action == "payment.recorded")).all()
    assert Decimal(collected) == PHONES_TOTAL and audited == ["trader-a"]


def test_paying_twice_or_the_wrong_amount_is_refused(client, tariff):
    body = lodge(client, declaration_with({}))
    r = _pay(client, body["mrn"], "pay-2", amount="100")
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "tariff.payment_amount_mismatch"
    assert _pay(client, body["mrn"], "pay-3").status_code == 201
    r = _pay(client, body["mrn"], "pay-4")
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "tariff.payment_settled"


def test_a_deferment_account_with_enough_limit_releases_at_once(client, db, tariff):
    officer = auth(client, "officer")
    r = client.post("/api/v1/tariff/deferment-accounts", headers=officer,
                    json={"holder_id": "KR1000000001", "currency": "KRW", "credit_limit": "2000000"})
    assert r.status_code == 201, r.text
    account = r.json()
    body = lodge(client, declaration_with({}))
    assert body["status"] == "released"
    assert "charged to deferment account" in events(client, body["mrn"])[-1]["reason"]
    with db.begin():
        used = db.scalar(select(DefermentAccount.used).where(DefermentAccount.id == account["id"]))
        method = db.scalar(select(Payment.method))
    assert (Decimal(used), method) == (PHONES_TOTAL, "deferment")
    assert duties(client, body["mrn"])["due"] == "0"
    second = lodge(client, declaration_with({}))  # the limit left (285,625) does not cover another
    assert second["status"] == "channelled"
    mine = client.get("/api/v1/tariff/deferment-accounts", headers=auth(client, "trader-a")).json()
    assert [a["available"] for a in mine] == ["285625"]
    assert client.get("/api/v1/tariff/deferment-accounts", headers=auth(client, "trader-b")).json() == []


def test_a_guarantee_secures_release_before_payment(client, tariff):
    officer = auth(client, "officer")
    r = client.post("/api/v1/tariff/guarantees", headers=officer, json={
        "reference": "G-2026-1", "holder_id": "KR1000000001", "kind": "comprehensive", "currency": "KRW",
        "amount": "5000000", "valid_from": "2026-01-01"})
    assert r.status_code == 201, r.text
    body = lodge(client, declaration_with({}))
    assert body["status"] == "released"
    shown = duties(client, body["mrn"])
    assert (shown["due"], shown["secured"], shown["open"]) == ("1714375", "1714375", "0")
    (guarantee,) = client.get("/api/v1/tariff/guarantees", headers=auth(client, "trader-a")).json()
    assert guarantee["available"] == str(5000000 - 1714375)
    assert _pay(client, body["mrn"], "pay-g").status_code == 201  # paying discharges the guarantee
    (guarantee,) = client.get("/api/v1/tariff/guarantees", headers=auth(client, "trader-a")).json()
    assert guarantee["available"] == "5000000"


def test_securing_a_waiting_declaration_on_a_guarantee_releases_it(client, tariff):
    body = lodge(client, declaration_with({}))
    r = client.post("/api/v1/tariff/guarantees", headers=auth(client, "officer"), json={
        "reference": "G-IND-1", "holder_id": "KR1000000001", "kind": "individual", "currency": "KRW",
        "amount": "2000000", "valid_from": "2026-01-01"})
    r = client.post("/api/v1/tariff/guarantee-uses", headers=auth(client, "trader-a"),
                    json={"mrn": body["mrn"], "guarantee_id": r.json()["id"]})
    assert r.status_code == 201, r.text
    assert (r.json()["released"], r.json()["declaration_status"], r.json()["payment"]) == (True, "released", None)


def test_paying_a_declaration_whose_control_is_open_does_not_release_it(client, tariff):
    body = lodge(client, declaration_with(WHISKY))  # chapter 22: documentary check
    assert body["status"] == "under_control"
    holds = client.get(f"/api/v1/declarations/{body['mrn']}/holds", headers=auth(client, "trader-a")).json()
    assert sorted(h["code"] for h in holds["holds"]) == ["control.open", "duty.unpaid"]
    r = _pay(client, body["mrn"], "pay-5")
    assert r.status_code == 201 and (r.json()["released"], r.json()["declaration_status"]) == (False, "under_control")
    holds = client.get(f"/api/v1/declarations/{body['mrn']}/holds", headers=auth(client, "trader-a")).json()
    assert [(h["code"], h["party"]) for h in holds["holds"]] == [("control.open", "customs")]


def test_a_trader_cannot_pay_or_read_a_competitors_duties(client, tariff):
    body = lodge(client, declaration_with({}, SHIRTS))
    assert _pay(client, body["mrn"], "pay-6", user="trader-b").status_code == 404
    r = client.get(f"/api/v1/tariff/declarations/{body['mrn']}/duties", headers=auth(client, "trader-b"))
    assert r.status_code == 404
    r = client.post("/api/v1/tariff/deferment-accounts", headers=auth(client, "trader-a"),
                    json={"holder_id": "KR1000000001", "currency": "KRW", "credit_limit": "9000000"})
    assert r.status_code == 403


def test_payments_need_an_idempotency_key(client, tariff):
    body = lodge(client, declaration_with({}))
    r = client.post("/api/v1/tariff/payments", json={"mrn": body["mrn"]}, headers=auth(client, "trader-a"))
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "Idempotency-Key"
