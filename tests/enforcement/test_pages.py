"""Enforcement pages in English, Spanish and French: the analyst opens a case from a lead and sends it to the
FIU; the FIU reads the summary; price evidence shows a chart and the same figures as a table."""

from __future__ import annotations

import re

import pytest

from tests.enforcement.test_api import comparable_mrn, fiu, history
from tests.locales import assert_translated, catalogue
from tests.web.conftest import csrf_of, sign_in

SAME = {"es": set(), "fr": {"ui.enforcement.action", "ui.enforcement.parties"}}  # French spells these as English
WORDS = {"en": ("Leads", "Send to the financial intelligence unit", "Price per kg"),
         "es": ("Pistas", "Enviar a la unidad de inteligencia financiera", "Precio por kg"),
         "fr": ("Pistes", "Transmettre à la cellule de renseignement financier", "Prix au kg")}


def _load(lang: str) -> dict[str, str]:
    return catalogue("enforcement", lang)


def test_spanish_and_french_have_every_key_with_its_placeholders_and_no_english_left():
    assert_translated("enforcement", SAME)


def test_every_indicator_has_a_label():
    from clearway.enforcement.indicators import CATALOGUE

    assert all(f"ui.enforcement.ind.{code}" in _load("en") for code in CATALOGUE)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_analyst_opens_a_case_from_a_lead_sends_it_and_the_fiu_reads_the_summary(client, lang):
    fiu()
    history()
    h = {"Accept-Language": lang}
    leads, send, per_kg = WORDS[lang]
    sign_in(client, "analyst")
    page = client.get("/enforcement", headers=h)
    assert page.status_code == 200 and leads in page.text and 'href="/enforcement"' in page.text
    key = re.search(r'name="key" value="([0-9a-f]{16})"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/enforcement/cases", data={"csrf": csrf_of(page.text), "key": key}, follow_redirects=False)
    assert r.status_code == 303
    case = client.get(r.headers["location"], headers=h)
    assert send in case.text
    ref = r.headers["location"].rsplit("/", 1)[1]
    mrn = re.search(r'/enforcement/declarations/([0-9A-Z]{18})/prices', case.text)
    r = client.post(f"/enforcement/cases/{ref}/refer", data={"csrf": csrf_of(case.text)}, follow_redirects=False)
    assert r.status_code == 303
    case = client.get(f"/enforcement/cases/{ref}", headers=h)
    assert send not in case.text
    r = client.post(f"/enforcement/cases/{ref}/update", data={"csrf": csrf_of(case.text), "notes": "Ask HK customs"},
                    follow_redirects=False)
    assert r.status_code == 303 and "Ask HK customs" in client.get(f"/enforcement/cases/{ref}", headers=h).text
    assert mrn, case.text
    assert client.get(f"/enforcement/declarations/{mrn.group(1)}/prices", headers=h).status_code == 200
    prices = client.get(f"/enforcement/declarations/{comparable_mrn()}/prices", headers=h)
    assert prices.status_code == 200 and per_kg in prices.text
    assert "<svg" in prices.text and 'role="img"' in prices.text and "data-this" in prices.text
    assert re.search(r'<table class="data" id="distribution-\d+">', prices.text)  # the chart's table alternative
    if lang != "en":  # money grouped and pointed the locale's way (decimal comma)
        assert re.search(r"\d,\d\d\u00a0[A-Z]{3}", prices.text)
    client.cookies.clear()
    sign_in(client, "fiu")
    summary = client.get(f"/enforcement/cases/{ref}/referral", headers=h)
    assert summary.status_code == 200 and 'id="marking">TLP:AMBER<' in summary.text and ref in summary.text


def test_traders_officers_and_other_agencies_get_no_enforcement_page(client):
    fiu()
    for who in ("trader-a", "officer", "agency"):
        client.cookies.clear()
        sign_in(client, who)
        assert client.get("/enforcement").status_code in (403, 404), who
        assert 'href="/enforcement"' not in client.get("/declarations").text, who
    client.cookies.clear()
    sign_in(client, "fiu")
    page = client.get("/enforcement")
    assert page.status_code == 200 and 'name="key"' not in page.text  # the FIU sees cases, not leads to work
