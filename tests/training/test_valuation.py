"""The valuation exercise: under-invoiced declarations among compliant ones, the world's reference prices per
kilogram beside each, scored against the truth like targeting (other planted frauds are not what it asks)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from clearway.training import selectors
from clearway.training.models import TrainingCase
from clearway.training.schemas import ExerciseCreate
from clearway.training.service import exercise_create
from tests.factories import auth
from tests.training.helpers import INSTRUCTOR, NOW, fresh, small_world

API = "/api/v1/training"


def _valuation(db, size: int = 8, frauds: int = 3) -> int:
    small_world(db, days=20)
    with fresh(db).begin():
        return exercise_create(db=db, actor=INSTRUCTOR, now=NOW, body=ExerciseCreate(
            cohort="c1", title="Valuation", budget=size, size=size, frauds=frauds, kind="valuation")).id


def test_a_valuation_exercise_holds_only_under_invoiced_frauds_and_shows_reference_prices(client, db):
    exercise_id = _valuation(db)
    fresh(db)
    key = selectors.exercise_read(db, selectors.exercise_get(db, exercise_id), instructor=True)
    assert key.kind == "valuation"
    assert sorted(i.truth.fraud_kind or "-" for i in key.items) == ["-"] * 5 + ["undervaluation"] * 3
    fresh(db)
    officer = auth(client, "officer")
    priced = 0
    for fraud in (i for i in key.items if i.truth.fraud):
        prices = client.post(f"{API}/exercises/{exercise_id}/items/{fraud.id}/open",
                             headers=officer).json()["reference_prices"]
        assert all(Decimal(p["low"]) <= Decimal(p["per_kg"]) <= Decimal(p["high"]) for p in prices)
        case = db.scalar(select(TrainingCase).where(TrainingCase.reference == fraud.reference))
        fresh(db)
        for price in prices:  # a subheading of the case, or its heading when the goods are rare
            line = next(x for x in case.document["items"] if x["hs_code"].startswith(price["hs_code"]))
            # the under-invoiced line sits below what compliant declarations of the goods paid
            assert Decimal(line["value"]) / Decimal(line["net_mass_kg"]) < Decimal(price["high"])
            priced += 1
    assert priced > 0
    for item in key.items:
        client.put(f"{API}/exercises/{exercise_id}/items/{item.id}/decision", headers=officer,
                   json={"decision": "flag" if item.truth.fraud else "clear"})
    score = client.post(f"{API}/exercises/{exercise_id}/finish", headers=officer).json()
    assert (score["hits"], score["misses"], score["false_alarms"], score["correct_rejections"]) == (3, 0, 0, 5)


def test_the_valuation_page_shows_the_reference_prices_and_its_own_buttons_in_three_languages(client, db):
    from tests.web.conftest import sign_in

    exercise_id = _valuation(db)
    fresh(db)
    item = selectors.exercise_read(db, selectors.exercise_get(db, exercise_id), instructor=True).items[0]
    fresh(db)
    assert sign_in(client, "officer").status_code == 303
    words = {"en": ("Reference prices", "Under-invoiced"), "es": ("Precios de referencia", "Subfacturada"),
             "fr": ("Prix de référence", "Sous-facturée")}
    for lang, (title, button) in words.items():
        page = client.get(f"/training/exercises/{exercise_id}/items/{item.id}", headers={"Accept-Language": lang})
        assert page.status_code == 200 and title in page.text and button in page.text, lang
