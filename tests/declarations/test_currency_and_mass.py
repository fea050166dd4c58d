"""A declaration's currency is one goods are invoiced in; a negative mass is said to be a mass problem."""

from __future__ import annotations

import re

import pytest

from tests.factories import auth, document
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import FORM


def _lodge(client, doc, locale="en"):
    return client.post("/api/v1/declarations", json=doc, headers={**auth(client, "trader-a"),
                                                                   "Accept-Language": locale})


@pytest.mark.parametrize("currency", ["XXX", "XTS", "XAU", "BOV", "CLF", "USN", "UYI", "QQQ"])
def test_no_currency_code_fund_code_or_made_up_code_is_a_declaration_currency(client, currency):
    r = _lodge(client, document(currency=currency), "fr")
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert (error["code"], error["pointer"]) == ("currency.unknown", "/currency")
    assert error["message"].startswith(f"{currency} n'est pas un code de devise ISO 4217 dans lequel")


def test_the_form_suggests_invoice_currencies_only(client):
    sign_in(client, "trader-a")
    page = client.get("/declarations/new").text
    listed = re.findall(r'<option value="([A-Z]{3})">', page.split('id="dl-currencies"')[1].split("</datalist>")[0])
    assert "USD" in listed and "KRW" in listed
    assert not {"XXX", "XTS", "XAU", "XDR", "BOV", "CLF", "USN", "UYI"} & set(listed)


@pytest.mark.parametrize("mass", ["-5", -5, -0.5, "\u22125", "-5,5", "0"])
@pytest.mark.parametrize(("locale", "message"), [("en", "The net mass must be greater than zero"),
                                                 ("es", "La masa neta debe ser mayor que cero")])
def test_a_negative_net_mass_gets_the_mass_message_at_its_field(client, mass, locale, message):
    doc = document()
    doc["items"][0]["net_mass_kg"] = mass
    r = _lodge(client, doc, locale)
    assert r.status_code == 422
    assert [(e["code"], e["pointer"], e["message"]) for e in r.json()["errors"]] == [
        ("mass.not_positive", "/items/0/net_mass_kg", message)]


def test_a_negative_quantity_written_with_a_typographic_minus_is_a_quantity_problem(client):
    doc = document()
    doc["items"][0]["quantity"]["value"] = "\u2212250"
    errors = _lodge(client, doc).json()["errors"]
    assert [(e["code"], e["pointer"]) for e in errors] == [("quantity.not_positive", "/items/0/quantity/value")]


def test_the_form_puts_the_mass_message_next_to_the_mass_field(client):
    sign_in(client, "trader-a")
    client.cookies.set("lang", "fr")
    token = csrf_of(client.get("/declarations/new").text)
    r = client.post("/declarations/new", data={**FORM, "csrf": token, "/items/0/net_mass_kg": "\u221242,5"},
                    follow_redirects=False)
    assert r.status_code == 422
    errors = dict(re.findall(r'<p class="error-message" id="(f-[^"]+)-error">(.*?)</p>', r.text, re.S))
    assert list(errors) == ["f-items-0-net_mass_kg"]
    assert "masse nette" in errors["f-items-0-net_mass_kg"].lower()


@pytest.mark.parametrize(("locale", "named", "english"), [
    ("es", ["Franco a bordo", "kilogramo", "caja de cartón", "Dólar estadounidense"],
     ["Free On Board", ">kilogram<", ">carton<", "US Dollar"]),
    ("fr", ["Franco à bord", "kilogramme", "palette", "Dollar américain"],
     ["Free On Board", ">kilogram<", ">pallet<", "US Dollar"]),
])
def test_the_form_names_incoterms_units_packages_and_currencies_in_the_page_language(client, locale, named, english):
    sign_in(client, "trader-a")
    client.cookies.set("lang", locale)
    page = client.get("/declarations/new").text
    for name in named:
        assert name in page
    for name in english:
        assert name not in page
