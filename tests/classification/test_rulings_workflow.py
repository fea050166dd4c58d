"""The advance-ruling workflow: a trader requests, the analyst sees the assistant's suggestions and the nearest past
rulings, decides from the page, and the issued ruling becomes learning data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from clearway.classification.learning import learned_pairs
from clearway.db import get_sessionmaker
from clearway.tariff.rulings import ruling_issue, ruling_request
from tests.factories import auth
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_no_english_leaks import leaks

PAST = (("Knitted cotton tee shirts for men, short sleeves", "61091000"),
        ("Frozen whiteleg shrimp, shell-on, raw", "03061790"),
        ("Lithium-ion battery packs for electric scooters", "85076000"))


def _past_rulings() -> list[str]:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    refs = []
    with get_sessionmaker()() as db, db.begin():
        for text, code in PAST:
            r = ruling_request(db=db, holder_id="KR1000000002", kind="classification", goods_description=text,
                               match_terms=text.split()[0], now=now)
            ruling_issue(db=db, reference=r.reference, officer_id=1, valid_from=date(2024, 1, 1), hs_code=code,
                         now=now)
            refs.append(r.reference)
    return refs


def _request(client) -> str:
    r = client.post("/api/v1/classification/rulings", headers=auth(client, "trader-a"), json={
        "goods_description": "Men's T-shirts, 100% cotton, knitted, crew neck, model TS-200",
        "match_terms": "TS-200", "proposed_hs": "61099090"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "requested" and r.json()["holder_id"] == "KR1000000001"
    return r.json()["reference"]


def test_the_workbench_shows_suggestions_and_the_nearest_past_ruling_first(client):
    shirts, shrimp, _ = _past_rulings()
    reference = _request(client)
    analyst = auth(client, "analyst")
    queue = client.get("/api/v1/classification/rulings", headers=analyst).json()["items"]
    assert [r["reference"] for r in queue] == [reference]
    bench = client.get(f"/api/v1/classification/rulings/{reference}", headers=analyst)
    assert bench.status_code == 200, bench.text
    body = bench.json()
    assert "610910" in [s["hs6"] for s in body["assistant"]["suggestions"][:3]]
    assert body["assistant"]["model_version"]
    similar = [s["reference"] for s in body["similar"]]
    assert similar[0] == shirts and similar.index(shrimp) > 0
    trader = auth(client, "trader-a")
    assert client.get(f"/api/v1/classification/rulings/{reference}", headers=trader).status_code == 403


def test_the_analyst_decides_from_the_page_and_the_ruling_is_learned(client):
    _past_rulings()
    reference = _request(client)
    sign_in(client, "analyst")
    page = client.get(f"/classification/rulings/{reference}", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert "Resoluciones anteriores más cercanas" in page.text and 'id="suggestion-610910"' in page.text
    assert leaks(page.text, "es") == []
    refused = client.post(f"/classification/rulings/{reference}", headers={"Accept-Language": "es"},
                          data={"csrf": csrf_of(page.text), "outcome": "refuse"})
    assert refused.status_code == 422  # a refusal must say why
    done = client.post(f"/classification/rulings/{reference}", follow_redirects=False, data={
        "csrf": csrf_of(page.text), "outcome": "issue", "hs_code": "6109.10.00", "valid_from": "2026-01-01",
        "justification": "GIR 1 and 6: knitted, of cotton"})
    assert done.status_code == 303, done.text
    after = client.get(f"/classification/rulings/{reference}")
    assert 'id="ruling-code">61091000<' in after.text and "Decide the ruling" not in after.text
    with get_sessionmaker()() as db:
        learned = {(p.hs6, p.text, p.source) for p in learned_pairs(db=db)}
    assert ("610910", "Men's T-shirts, 100% cotton, knitted, crew neck, model TS-200", "ruling") in learned


def test_an_officer_reads_the_workbench_but_only_an_analyst_decides(client):
    reference = _request(client)
    officer = auth(client, "officer")
    assert client.get(f"/api/v1/classification/rulings/{reference}", headers=officer).status_code == 200
    queue = client.get("/classification/rulings", headers={**officer, "Accept-Language": "fr"})
    assert queue.status_code == 200 and reference in queue.text and "Renseignements tarifaires" in queue.text
    assert leaks(queue.text, "fr") == []
    body = {"outcome": "issue", "hs_code": "61091000"}
    assert client.post(f"/api/v1/classification/rulings/{reference}/decision", json=body,
                       headers=officer).status_code == 403
    r = client.post(f"/api/v1/classification/rulings/{reference}/decision", json=body, headers=auth(client, "analyst"))
    assert r.status_code == 200 and r.json()["status"] == "issued" and r.json()["hs_code"] == "61091000"
    again = client.post(f"/api/v1/classification/rulings/{reference}/decision", json=body,
                        headers=auth(client, "analyst"))
    assert again.status_code == 409
