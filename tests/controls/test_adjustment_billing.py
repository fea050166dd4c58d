"""A control's adjustment is billed in the assessment's currency, owed by the trader, and holds the goods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.controls.flows import REVOLVERS, TOBACCO, claimed, lodge, set_examiner, status_of
from tests.factories import auth
from tests.web.conftest import sign_in

# Revolvers (chapter 93, red channel) at 8 % duty, cigarettes (24, yellow) at 40 %, 10 % VAT; USD at 1,300 KRW.
SCHEDULE = """record,code,description,unit,basis,rate_pct,amount,currency,per_unit,agreement,agency,valid_from
line,93020000,Revolvers and pistols,NAR,,,,,,,,
line,24022000,Cigarettes containing tobacco,NAR,,,,,,,,
duty,93,,,ad_valorem,8,,,,,,2020-01-01
vat,93,,,ad_valorem,10,,,,,,2020-01-01
duty,24,,,ad_valorem,40,,,,,,2020-01-01
vat,24,,,ad_valorem,10,,,,,,2020-01-01
"""


@pytest.fixture
def revolver_tariff(db_url: str, tmp_path: Path) -> Iterator[None]:
    """The schedule above and its rate, committed in the test database."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.tariff.importer import tariff_import
    from clearway.tariff.rates import rates_store

    path = tmp_path / "schedule.csv"
    path.write_text(SCHEDULE, encoding="utf-8")
    with get_sessionmaker()() as db, db.begin():
        assert tariff_import(db=db, path=path, actor_id=None, now=utcnow()).ok
        rates_store(db=db, rows=[("USD", date(2020, 1, 1), None, Decimal("1300"))], source="test", now=utcnow())
    yield


def _duties(client, mrn):
    r = client.get(f"/api/v1/tariff/declarations/{mrn}/duties", headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text
    return r.json()


def _pay(client, mrn, key):
    r = client.post("/api/v1/tariff/payments", json={"mrn": mrn},
                    headers={**auth(client, "trader-a"), "Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return r.json()


def _inspect_and_count_more(client, mrn, counted: str, finding: dict | None = None):
    task_id, officer = claimed(client, mrn)
    base = f"/api/v1/controls/tasks/{task_id}"
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert client.post(base + "/inspection/schedule", json={"at": at, "place": "Shed 1"},
                       headers=officer).status_code == 200
    assert client.post(base + "/inspection/goods-available", headers=officer).status_code == 200
    assert client.post(base + "/inspection/start", headers=officer).status_code == 200
    finding = finding or {"result": "discrepancy", "kind": "quantity", "corrected": {"quantity": counted}}
    r = client.put(base + "/findings/0", json=finding, headers=officer)
    assert r.status_code == 200, r.text
    r = client.post(base + "/inspection/end", json={"note": "more revolvers than declared"}, headers=officer)
    assert r.status_code == 200, r.text
    return r.json(), officer


def test_a_quantity_discrepancy_is_billed_in_won_with_vat_and_holds_the_goods_until_paid(client, revolver_tariff):
    mrn = lodge(client, REVOLVERS, quantity={"value": "100", "unit": "NAR"})
    declared = _duties(client, mrn)
    assert declared["currency"] == "KRW"
    _pay(client, mrn, "first-bill")  # the declared duties are paid while the goods wait for the inspection
    task, officer = _inspect_and_count_more(client, mrn, "125")  # a quarter more goods than declared

    (adjustment,) = task["adjustments"]
    assert adjustment["currency"] == "KRW"
    duties = _duties(client, mrn)
    before = {t: Decimal(v) for t, v in declared["totals"].items()}
    after = {t: Decimal(v) for t, v in duties["totals"].items()}
    # A quarter more goods: a quarter more duty and VAT, at the assessment's rate, and 10 % of the duty short.
    assert after["duty"] - before["duty"] == (before["duty"] / 4).quantize(Decimal(1))
    assert after["vat"] - before["vat"] == (before["vat"] / 4).quantize(Decimal(1))
    assert after["penalty"] == ((after["duty"] - before["duty"]) / 10).quantize(Decimal(1))
    owed = after["duty"] - before["duty"] + after["vat"] - before["vat"] + after["penalty"]
    assert Decimal(adjustment["total"]) == owed and Decimal(task["revenue_raised"]) == owed
    assert Decimal(duties["due"]) == owed and duties["payment_reference"] != declared["payment_reference"]

    # The goods stay held for the trader's money, through the one release decision.
    assert status_of(client, mrn) == "under_control"
    holds = client.get(f"/api/v1/declarations/{mrn}/holds", headers=officer).json()["holds"]
    assert [(h["code"], h["party"], h["params"]["currency"]) for h in holds] == [("duty.unpaid", "trader", "KRW")]
    r = client.post(f"/api/v1/controls/declarations/{mrn}/release", json={"reason": "try"}, headers=officer)
    assert r.status_code == 409 and [e["code"] for e in r.json()["errors"]] == ["hold.duty.unpaid"]

    # The officer's task page states the bill in won, in the officer's language.
    assert sign_in(client, "officer").status_code == 303
    task_page = client.get(f"/controls/tasks/{task['id']}", headers={"Accept-Language": "es"}).text
    spanish = f"{owed:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")  # 840.044,00
    assert f"Ajuste: {spanish}\u00a0KRW a pagar" in task_page

    # The trader's page shows what is due, and not that the duties are paid.
    assert sign_in(client, "trader-a").status_code == 303
    page = client.get(f"/declarations/{mrn}").text
    assert 'id="duties-settled"' not in page and "The duties are paid" not in page
    assert 'id="pay-button"' in page and f"{owed:,}" in page.split('id="duties-due"')[1][:80]

    assert _pay(client, mrn, "adjustment")["released"] is True  # the adjustment was all that held the goods
    assert status_of(client, mrn) == "released"
    assert 'id="duties-settled"' in client.get(f"/declarations/{mrn}").text


def test_without_an_assessment_the_adjustment_stays_at_the_stated_rates(client):
    # No tariff loaded (the suite's default): the adjustment keeps the declaration's currency and holds nothing.
    mrn = lodge(client, REVOLVERS, quantity={"value": "100", "unit": "NAR"})
    task, _ = _inspect_and_count_more(client, mrn, "125")
    (adjustment,) = task["adjustments"]
    assert (adjustment["currency"], adjustment["total"]) == ("USD", "275")  # 3,125 USD more at 8 % + 10 %


def test_a_counted_quantity_values_and_weighs_the_goods_pro_rata_within_the_schema():
    from clearway.declarations.schemas import DeclarationCreate
    from clearway.tariff.supplement import corrected_document
    from tests.factories import document

    doc = document()
    doc["items"][0].update(value="12500.00", net_mass_kg="42.5", quantity={"value": "3", "unit": "NAR"})
    corrected = corrected_document(doc, {0: {"quantity": "7"}})
    item = corrected["items"][0]
    assert (item["value"], item["net_mass_kg"], item["quantity"]["value"]) == ("29166.67", "99.167", "7")
    assert corrected["invoice_total"] == "29166.67"
    DeclarationCreate.model_validate(corrected)  # the schema takes it: amounts within their digits


def test_a_second_control_bills_only_what_it_adds_and_earlier_penalties_stay_owed(client, revolver_tariff):
    mrn = lodge(client, TOBACCO, quantity={"value": "100", "unit": "NAR"})  # yellow: a documentary check
    declared = _duties(client, mrn)
    _pay(client, mrn, "first-bill")
    task_id, officer = claimed(client, mrn)
    base = f"/api/v1/controls/tasks/{task_id}"
    finding = {"result": "discrepancy", "kind": "quantity", "corrected": {"quantity": "125"}}
    assert client.put(base + "/findings/0", json=finding, headers=officer).status_code == 200
    assert client.post(base + "/accept", json={}, headers=officer).status_code == 200
    first = _duties(client, mrn)
    assert _pay(client, mrn, "first-adjustment")["released"] is True
    # A tip-off after release: a supervisor sends the goods to inspection, which counts still more.
    set_examiner(client, "officer", supervisor=True)
    r = client.post(f"/api/v1/controls/declarations/{mrn}/reroute", json={"channel": "red", "reason": "tip-off"},
                    headers=officer)
    assert r.status_code == 200, r.text
    _inspect_and_count_more(client, mrn, "150")
    second = _duties(client, mrn)
    d0, d1, d2 = (Decimal(d["totals"]["duty"]) for d in (declared, first, second))
    assert d1 - d0 == (d0 / 4).quantize(Decimal(1)) and d2 - d1 == (d0 / 4).quantize(Decimal(1))
    penalties = [Decimal(x["amount"]) for x in second["lines"] if x["tax"] == "penalty"]
    assert [x["item"] for x in second["lines"] if x["tax"] == "penalty"] == [-1, -1]
    assert penalties[0] == Decimal(first["totals"]["penalty"])  # the first control's penalty stays owed
    assert penalties[1] == ((d2 - d1) / 10).quantize(Decimal(1))  # the second one's is on its own increment
    assert Decimal(second["due"]) == Decimal(second["total"]) - Decimal(first["total"]) > 0
    assert status_of(client, mrn) == "under_control"


def test_a_correction_that_changes_no_tax_bills_nothing_and_holds_nothing(client, revolver_tariff):
    mrn = lodge(client, REVOLVERS)
    _pay(client, mrn, "bill")
    origin = {"result": "discrepancy", "kind": "origin", "corrected": {"origin_country": "DE"}}
    task, _ = _inspect_and_count_more(client, mrn, "", finding=origin)
    assert task["adjustments"] == [] and task["fraud_found"] is True and task["revenue_raised"] == "0"
    assert status_of(client, mrn) == "released"


@pytest.mark.parametrize(("kind", "corrected"), [("value", {"value": "-5"}), ("value", {"value": "lots"}),
                                                 ("quantity", {"quantity": "0"}), ("origin", {"origin_country": "ZZ"}),
                                                 ("classification", {"hs_code": "93AB"})])
def test_a_correction_the_declaration_could_not_carry_is_refused_at_its_field(client, kind, corrected):
    mrn = lodge(client, REVOLVERS)
    task_id, officer = claimed(client, mrn)
    base = f"/api/v1/controls/tasks/{task_id}"
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    client.post(base + "/inspection/schedule", json={"at": at, "place": "Shed 1"}, headers=officer)
    client.post(base + "/inspection/goods-available", headers=officer)
    client.post(base + "/inspection/start", headers=officer)
    r = client.put(base + "/findings/0", json={"result": "discrepancy", "kind": kind, "corrected": corrected},
                   headers=officer)
    assert r.status_code == 422
    (key,) = corrected
    assert [e["pointer"] for e in r.json()["errors"]] == [f"/corrected/{key}"]  # the schema's code or ours
