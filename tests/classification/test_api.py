"""The classification API and page, as traders and officers use them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from clearway.classification.learning import learned_pairs
from clearway.db import get_sessionmaker
from clearway.declarations.models import Declaration
from clearway.i18n import catalogue
from clearway.tariff.rulings import ruling_issue, ruling_request
from tests.factories import auth, lodge_direct
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import FORM


def test_a_trader_gets_ranked_codes_with_official_texts(client):
    r = client.post("/api/v1/classification/suggest", json={"description": "men's cotton t-shirts", "limit": 3},
                    headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["suggestions"][0]["hs6"] == "610910"
    top = body["suggestions"][0]
    assert top["heading"] == "6109" and top["description"].startswith("T-shirts")
    assert "cotton" in top["matched_terms"] and len(body["suggestions"]) == 3
    assert body["warnings"] == [] and body["model_version"]


def test_a_declared_code_far_from_the_description_is_warned_in_the_callers_language(client):
    body = {"description": "frozen vannamei shrimp raw shell-on", "hs_code": "8471.30"}
    r = client.post("/api/v1/classification/suggest", json=body,
                    headers={**auth(client, "trader-a"), "Accept-Language": "es"})
    assert r.status_code == 200, r.text
    (warning,) = r.json()["warnings"]
    assert warning["code"] == "classification.far" and warning["best_hs6"][:4] == "0306"
    assert warning["message"].startswith("La descripción no corresponde al código 847130")


def test_a_fitting_declared_code_raises_no_warning(client):
    body = {"description": "frozen vannamei shrimp raw shell-on", "hs_code": "030617"}
    r = client.post("/api/v1/classification/suggest", json=body, headers=auth(client, "officer"))
    assert r.status_code == 200 and r.json()["warnings"] == []


def test_bad_input_fails_with_coded_422_and_anonymous_with_401(client):
    headers = auth(client, "trader-a")
    for body in ({"description": "x"}, {"description": "shoes", "limit": 0}, {"description": "shoes", "extra": 1},
                 {"description": "shoes", "hs_code": "12ab"}, {}):
        r = client.post("/api/v1/classification/suggest", json=body, headers=headers)
        assert r.status_code == 422, body
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.post("/api/v1/classification/suggest", json={"description": "shoes"}).status_code == 401


def test_the_page_shows_suggestions_and_the_tree_in_french(client):
    headers = {**auth(client, "trader-a"), "Accept-Language": "fr"}
    r = client.get("/classification", params={"q": "chaussures de course en textile"}, headers=headers)
    assert r.status_code == 200
    assert "Classement tarifaire des marchandises" in r.text and 'id="suggestion-6404' in r.text
    tree = client.get("/classification", params={"code": "6404"}, headers=headers)
    assert tree.status_code == 200 and "640411" in tree.text and "Parcourir la nomenclature" in tree.text
    assert client.get("/classification", params={"code": "64x"}, headers=headers).status_code == 422


def test_only_released_declarations_are_learned(world):
    (mrn,) = lodge_direct("trader-a", 1)
    sessions = get_sessionmaker()
    with sessions() as db, db.begin():
        db.execute(update(Declaration).where(Declaration.mrn == mrn).values(status="under_control"))
    with sessions() as db:
        assert learned_pairs(db=db) == []  # still the trader's claim: not learned
    with sessions() as db, db.begin():
        db.execute(update(Declaration).where(Declaration.mrn == mrn).values(status="released"))
    with sessions() as db:
        learned = learned_pairs(db=db)
        document = db.query(Declaration).filter_by(mrn=mrn).one().document
    item = document["items"][0]
    assert [(x.hs6, x.text, x.source) for x in learned] == [(item["hs_code"][:6], item["description"], "declaration")]


def test_the_lodge_form_warns_when_the_code_is_far_from_the_description(client):
    sign_in(client, "trader-a")
    page = client.get("/declarations/new")
    fitting = {**FORM, "action": "calculate", "csrf": csrf_of(page.text)}
    r = client.post("/declarations/new", data=fitting)
    assert 'id="classification-warning-0"' not in r.text
    far = {**fitting, "/items/0/description": "frozen vannamei shrimp raw shell-on"}
    r = client.post("/declarations/new", data=far)
    assert 'id="classification-warning-0"' in r.text and "does not read like code" in r.text


def test_similar_past_rulings_are_shown_to_customs_and_to_their_holder_only(client):
    sessions = get_sessionmaker()
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        ruling = ruling_request(db=db, holder_id="KR1000000001", kind="classification", now=now,
                                goods_description="Bluetooth wireless earbuds with charging case",
                                match_terms="earbuds")
        ruling_issue(db=db, reference=ruling.reference, officer_id=1, valid_from=now.date(), now=now,
                     hs_code="85183000")
        reference = ruling.reference
    body = {"description": "wireless bluetooth earbuds"}
    seen = {}
    for user in ("analyst", "trader-a", "trader-b"):
        r = client.post("/api/v1/classification/suggest", json=body, headers=auth(client, user))
        assert r.status_code == 200, r.text
        seen[user] = [(x["reference"], x["hs_code"]) for x in r.json()["rulings"]]
    assert seen["analyst"] == seen["trader-a"] == [(reference, "85183000")]
    assert seen["trader-b"] == []


def test_every_classification_message_exists_in_spanish_and_french():
    english = {k for k in catalogue("en") if k.startswith(("classification.", "ui.classification.",
                                                             "ui.nav.classification"))}
    assert len(english) >= 20
    for locale in ("es", "fr"):
        messages = catalogue(locale)
        assert english <= set(messages), locale
        assert all(messages[k] != catalogue("en")[k] for k in english if not k.endswith(".model")), locale
