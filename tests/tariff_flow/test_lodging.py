"""Lodging assesses the duties in the same write as the declaration, or refuses with the tariff's problems."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationCreate
from clearway.tariff.models import AssessmentLineRecord, AssessmentRecord, RevenueRecord
from clearway.tariff.payments import payment_reference_valid
from tests.factories import auth, document
from tests.tariff_flow.conftest import BOOKS, PHONES_TOTAL, SHIRTS, SHIRTS_TOTAL, declaration_with, events, lodge


def _count(db, model) -> int:
    with db.begin():
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_lodging_stores_the_assessment_whose_total_equals_the_computed_bill(client, db, tariff):
    from clearway.db import utcnow
    from clearway.tariff.service import duties_calculate

    doc = declaration_with({}, SHIRTS)
    body = lodge(client, doc)
    with db.begin():
        declaration_id = db.scalar(select(Declaration.id).where(Declaration.mrn == body["mrn"]))
        record = db.scalar(select(AssessmentRecord).where(AssessmentRecord.declaration_id == declaration_id))
        assert record is not None
        lines = db.scalars(select(AssessmentLineRecord).where(AssessmentLineRecord.assessment_id == record.id)).all()
        assessed = db.execute(select(RevenueRecord.tax, RevenueRecord.amount).where(
            RevenueRecord.declaration_id == declaration_id, RevenueRecord.kind == "assessed")).all()
        bill = duties_calculate(db=db, document=DeclarationCreate.model_validate(doc), on=utcnow().date())
    assert record.total == bill.total == PHONES_TOTAL + SHIRTS_TOTAL
    assert sum(line.amount for line in lines) == record.total
    assert [(x.item_index, x.tax, x.measure_ref) for x in lines] == [
        (0, "duty", "85-duty-GEN-20200101"), (0, "vat", "85-vat-GEN-20200101"),
        (1, "duty", "61-duty-GEN-20200101"), (1, "vat", "61-vat-GEN-20200101")]
    assert {tax: int(amount) for tax, amount in assessed} == {"duty": 178295, "vat": 1714375 + 154980}
    assert payment_reference_valid(record.payment_reference or "") and body["mrn"] in (record.payment_reference or "")
    assessed_event = next(e for e in events(client, body["mrn"]) if e["kind"] == "assessed")
    assert "2047650 KRW" in assessed_event["reason"] and record.payment_reference in assessed_event["reason"]


def test_unknown_national_line_is_refused_with_a_pointer_and_nothing_stored(client, db, tariff):
    doc = declaration_with({}, {**SHIRTS, "hs_code": "610990"})  # HS 2022 knows it; the schedule has no line
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("tariff.line_unknown", "/items/1/hs_code")]
    assert "610990" in r.json()["errors"][0]["message"]
    assert (_count(db, Declaration), _count(db, AssessmentRecord), _count(db, RevenueRecord)) == (0, 0, 0)


def test_a_rate_gap_is_refused_not_a_silent_zero(client, db, tariff):
    r = client.post("/api/v1/declarations", json=declaration_with({}, currency="EUR"),
                    headers=auth(client, "trader-a"))
    assert r.status_code == 422
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("tariff.rate_missing", "/currency")]
    assert _count(db, Declaration) == 0


def test_without_any_schedule_lodging_works_and_says_so(client, db):
    body = lodge(client, document())
    assert body["status"] == "released"
    reason = next(e["reason"] for e in events(client, body["mrn"]) if e["kind"] == "assessed")
    assert reason == "no national tariff schedule is loaded: duties were not assessed"
    assert _count(db, AssessmentRecord) == 0


def test_nothing_to_pay_releases_a_green_declaration_at_once(client, tariff):
    body = lodge(client, declaration_with(BOOKS))
    assert body["status"] == "released"
    assert [e["kind"] for e in events(client, body["mrn"])][-1] == "released"


def test_a_contradicted_advance_ruling_is_a_warning_not_an_error(client, db, tariff):
    from clearway.db import utcnow
    from clearway.tariff.rulings import ruling_issue, ruling_request

    with db.begin():
        ruling = ruling_request(db=db, holder_id="KR1000000001", kind="classification", now=utcnow(),
                                goods_description="Smartphone model X1", match_terms="smartphones X1")
        ruling_issue(db=db, reference=ruling.reference, officer_id=1, valid_from=date(2026, 1, 1), now=utcnow(),
                     hs_code="85171400")
        reference = ruling.reference
    body = lodge(client, declaration_with({}))
    reason = next(e["reason"] for e in events(client, body["mrn"]) if e["kind"] == "assessed")
    assert f"warning: Ruling {reference} classifies these goods in 85171400, not 851713" in reason


def test_an_export_is_not_assessed_for_import_duties(client, db, tariff):
    party = {"id": "KR1000000001", "name": "Hanbit Trading Co.", "country": "KR"}
    body = lodge(client, document(type="EX", exporter=party, importer=None))
    reason = next(e["reason"] for e in events(client, body["mrn"]) if e["kind"] == "assessed")
    assert reason == "export declaration: no import duties" and body["status"] == "released"
