"""The UI: the duty breakdown on the declaration page, the pay button (with CSRF), the estimate, the browser."""

from __future__ import annotations

from sqlalchemy import func, select

from clearway.declarations.models import Declaration
from tests.tariff_flow.conftest import SHIRTS, declaration_with, lodge
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import FORM


def test_the_declaration_page_shows_the_breakdown_and_a_pay_button(client, tariff):
    body = lodge(client, declaration_with({}, SHIRTS))
    sign_in(client, "trader-a")
    page = client.get(f"/declarations/{body['mrn']}").text
    for text in ("Duties and taxes", "61-duty-GEN-20200101", "61-vat-GEN-20200101", "85-vat-GEN-20200101",
                 "178,295.00\u00a0KRW", "2,047,650.00\u00a0KRW", "Release waits for payment", 'id="pay-button"',
                 "Awaiting payment", "RF"):
        assert text in page, text


def test_the_pay_button_needs_the_csrf_token_and_releases_the_goods(client, tariff):
    body = lodge(client, declaration_with({}))
    sign_in(client, "trader-a")
    url = f"/declarations/{body['mrn']}"
    page = client.get(url).text
    assert client.post(url + "/pay", data={}, follow_redirects=False).status_code == 403
    r = client.post(url + "/pay", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url
    after = client.get(url).text
    assert 'id="pay-button"' not in after and "The duties are paid." in after
    assert 'status-released' in after


def test_officers_see_the_breakdown_but_no_pay_button(client, tariff):
    body = lodge(client, declaration_with({}))
    sign_in(client, "officer")
    page = client.get(f"/declarations/{body['mrn']}").text
    assert "85-vat-GEN-20200101" in page and 'id="pay-button"' not in page


def test_calculate_duties_on_the_lodge_form_shows_the_bill_and_stores_nothing(client, db, tariff):
    sign_in(client, "trader-a")
    page = client.get("/declarations/new")
    r = client.post("/declarations/new", data={**FORM, "action": "calculate", "csrf": csrf_of(page.text)})
    assert r.status_code == 200, r.text[:500]
    assert "Duties estimate" in r.text and "1,714,375.00\u00a0KRW" in r.text and "85-vat-GEN-20200101" in r.text
    assert 'value="WEB-0001"' in r.text  # the form keeps what was typed
    with db.begin():
        assert db.scalar(select(func.count()).select_from(Declaration)) == 0


def test_calculate_duties_points_at_an_unknown_line(client, tariff):
    sign_in(client, "trader-a")
    page = client.get("/declarations/new")
    form = {**FORM, "action": "calculate", "csrf": csrf_of(page.text), "/items/0/hs_code": "610990"}
    r = client.post("/declarations/new", data=form)
    assert r.status_code == 422 and "No national tariff line 610990" in r.text


def test_the_tariff_browser_searches_by_code_and_by_words(client, tariff):
    assert client.get("/tariff", follow_redirects=False).status_code == 303  # signed-in users only
    sign_in(client, "officer")
    by_words = client.get("/tariff", params={"q": "cotton knitted"}).text
    assert "61091000" in by_words and "61-duty-GEN-20200101" in by_words and "13%" in by_words
    assert 'id="line-85171300"' not in by_words and "Descriptions are in English" in by_words
    by_code = client.get("/tariff", params={"q": "8517"}).text
    assert 'id="line-85171300"' in by_code and 'id="line-61091000"' not in by_code
    assert "No tariff line matches" in client.get("/tariff", params={"q": "unobtainium"}).text


def test_the_tariff_browser_speaks_spanish_and_french(client, tariff):
    sign_in(client, "trader-a")
    spanish = client.get("/tariff", params={"q": "8517"}, headers={"Accept-Language": "es"}).text
    assert "Las descripciones están en inglés" in spanish and "Arancel" in spanish
    french = client.get("/tariff", params={"q": "8517"}, headers={"Accept-Language": "fr"}).text
    assert "Les désignations sont en anglais" in french and "Tarif douanier" in french


def test_without_a_schedule_the_pages_say_so(client):
    sign_in(client, "trader-a")
    assert "No national tariff schedule is loaded." in client.get("/tariff", params={"q": "8517"}).text
    page = client.get("/declarations/new")
    r = client.post("/declarations/new", data={**FORM, "action": "calculate", "csrf": csrf_of(page.text)})
    assert r.status_code == 422 and "No tariff schedule has been imported" in r.text


def test_lodging_by_form_shows_the_tariffs_problem_on_the_item_field(client, db, tariff):
    sign_in(client, "trader-a")
    page = client.get("/declarations/new")
    r = client.post("/declarations/new", data={**FORM, "csrf": csrf_of(page.text), "/items/0/hs_code": "610990"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text and "No national tariff line 610990" in r.text
    with db.begin():
        assert db.scalar(select(func.count()).select_from(Declaration)) == 0
