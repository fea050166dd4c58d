"""An amendment that changes the bill re-assesses the declaration: a new assessment and an adjustment."""

from __future__ import annotations

from sqlalchemy import select

from clearway.declarations.models import Declaration
from clearway.tariff.models import AssessmentRecord, RevenueRecord
from tests.factories import auth
from tests.tariff_flow.conftest import SHIRTS, SHIRTS_TOTAL, declaration_with, duties, events, lodge


def _amend(client, mrn, doc, version, user="trader-a"):
    return client.put(f"/api/v1/declarations/{mrn}", json={**doc, "reason": "Second invoice added"},
                      headers={**auth(client, user), "If-Match": f'"v{version}"'})


def test_amendment_reassesses_and_books_the_difference_as_an_adjustment(client, db, tariff):
    doc = declaration_with({})
    body = lodge(client, doc)
    r = _amend(client, body["mrn"], {**declaration_with({}, SHIRTS), "lrn": doc["lrn"]}, 1)
    assert r.status_code == 200, r.text
    with db.begin():
        declaration_id = db.scalar(select(Declaration.id).where(Declaration.mrn == body["mrn"]))
        records = db.scalars(select(AssessmentRecord).where(AssessmentRecord.declaration_id == declaration_id)
                             .order_by(AssessmentRecord.id)).all()
        revenue = db.execute(select(RevenueRecord.kind, RevenueRecord.tax, RevenueRecord.amount,
                                    RevenueRecord.reason, RevenueRecord.assessment_id)
                             .where(RevenueRecord.declaration_id == declaration_id).order_by(RevenueRecord.id)).all()
    old, new = records
    assert (old.superseded, new.superseded, new.declaration_version) == (True, False, 2)
    assert new.total - old.total == SHIRTS_TOTAL
    adjusted = [(kind, tax, int(amount), reason) for kind, tax, amount, reason, aid in revenue if aid == new.id]
    assert adjusted == [("adjusted", "duty", 178295, "amendment"), ("adjusted", "vat", 154980, "amendment")]
    assert sum(int(x[2]) for x in revenue) == new.total  # assessed + amendment adjustments = the current bill
    kinds = [e["kind"] for e in events(client, body["mrn"])]
    assert kinds[-2:] == ["amended", "reassessed"]
    shown = duties(client, body["mrn"])
    assert (shown["declaration_version"], shown["total"], shown["due"]) == (2, str(int(new.total)), str(int(new.total)))
    assert shown["payment_reference"].endswith(body["mrn"] + "002")


def test_amendment_after_payment_leaves_only_the_difference_to_pay(client, tariff):
    doc = declaration_with({})
    body = lodge(client, doc)
    r = client.post("/api/v1/tariff/payments", json={"mrn": body["mrn"]},
                    headers={**auth(client, "trader-a"), "Idempotency-Key": "amend-pay"})
    assert r.json()["declaration_status"] == "released"
    r = _amend(client, body["mrn"], {**declaration_with({}, SHIRTS), "lrn": doc["lrn"]}, 1, user="officer")
    assert r.status_code == 200, r.text
    assert duties(client, body["mrn"])["due"] == str(SHIRTS_TOTAL)


def test_an_amendment_that_cannot_be_assessed_is_refused_and_changes_nothing(client, tariff):
    doc = declaration_with({})
    body = lodge(client, doc)
    r = _amend(client, body["mrn"], {**declaration_with({}, {**SHIRTS, "hs_code": "610990"}), "lrn": doc["lrn"]}, 1)
    assert r.status_code == 422
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("tariff.line_unknown", "/items/1/hs_code")]
    assert duties(client, body["mrn"])["declaration_version"] == 1
