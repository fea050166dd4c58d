"""The web UI in a real Chromium against a real server process."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import document
from tests.web.conftest import browser_sign_in

pytestmark = pytest.mark.browser
LIFECYCLE = ["lodged", "accepted", "assessed", "channelled", "released"]


def _fill_declaration(page, lrn: str, hs_code: str = "851713") -> None:
    """Fill the lodging form as a trader would, finding every field by its label."""
    header = page.get_by_role("group", name="Declaration", exact=True)
    header.get_by_label("Declaration type").select_option("IM")
    header.get_by_label("Customs office").select_option("KR0101")
    header.get_by_label("Local reference (LRN)").fill(lrn)
    importer = page.get_by_role("group", name="Importer")
    importer.get_by_label("Identification number").fill("KR1000000001")
    importer.get_by_label("Name").fill("Hanbit Trading Co.")
    importer.get_by_label("Country").fill("KR")
    transport = page.get_by_role("group", name="Transport", exact=True)
    transport.get_by_label("Transport mode").select_option("4")
    transport.get_by_label("Border office").select_option("KR0101")
    page.get_by_label("Currency").fill("USD")
    page.get_by_label("Incoterm").select_option("FOB")
    item = page.get_by_role("group", name="Item 1")
    item.get_by_label("HS code").fill(hs_code)
    item.get_by_label("Description of goods").fill("Smartphones, 128 GB")
    item.get_by_label("Country of origin").fill("CN")
    item.get_by_label("Value (required)", exact=True).fill("12500.00")
    item.get_by_label("Net mass (kg)").fill("42.5")
    item.get_by_label("Quantity (required)", exact=True).fill("250")
    item.get_by_label("Quantity unit").select_option("NAR")


def test_trader_lodges_by_form_and_follows_the_timeline(page):
    browser_sign_in(page, "trader-a")
    page.get_by_role("link", name="Lodge a declaration").first.click()
    page.get_by_role("button", name="Add another item").click()
    assert page.get_by_role("group", name="Item 2").is_visible()
    page.get_by_role("button", name="Remove item 2").click()
    _fill_declaration(page, "BROWSER-0001")
    page.get_by_role("button", name="Lodge declaration").last.click()
    page.wait_for_url("**/declarations/*")
    mrn = page.url.rsplit("/", 1)[1]
    assert page.get_by_role("heading", level=1).inner_text().endswith(mrn)
    page.get_by_role("link", name="Declarations", exact=True).click()
    row = page.get_by_role("row").filter(has_text=mrn)
    assert "BROWSER-0001" in row.inner_text() and "Green" in row.inner_text() and "12,500.00" in row.inner_text()
    row.get_by_role("link", name=mrn).click()
    timeline = page.locator("ol.timeline > li")
    assert [timeline.nth(i).get_attribute("data-kind") for i in range(timeline.count())] == LIFECYCLE
    text = page.locator("ol.timeline").inner_text()
    for label in ("Lodged", "Accepted", "Assessed", "Channelled", "Released", "by trader-a", "UTC"):
        assert label in text
    assert "no risk indicator: release" in page.get_by_role("region", name="Channel").inner_text()


def test_trader_cannot_open_another_traders_declaration(page, live_server):
    token = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": "trader-a", "password": "demo"}).json()
    doc = document(lrn="SECRET-LRN-42")
    r = httpx.post(f"{live_server}/api/v1/declarations", json=doc,
                   headers={"Authorization": f"Bearer {token['access_token']}"})
    mrn = r.json()["mrn"]
    browser_sign_in(page, "trader-b")
    response = page.goto(f"/declarations/{mrn}")
    assert response is not None and response.status == 404
    body = page.locator("body").inner_text()
    assert "Page not found" in body
    for secret in (mrn, "SECRET-LRN-42", "Hanbit", "Smartphones"):
        assert secret not in body
    page.goto("/declarations")
    assert mrn not in page.locator("body").inner_text()


def test_validation_error_is_shown_next_to_its_field(page):
    browser_sign_in(page, "trader-a")
    page.goto("/declarations/new")
    _fill_declaration(page, "BROWSER-0002", hs_code="999999")
    page.get_by_role("button", name="Lodge declaration").last.click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and "HS code 999999 does not exist" in summary.inner_text()
    hs = page.get_by_role("group", name="Item 1").get_by_label("HS code")
    assert hs.get_attribute("aria-invalid") == "true" and hs.input_value() == "999999"
    error = page.locator("#f-items-0-hs_code-error")
    assert "HS code 999999 does not exist" in error.inner_text()
    assert "f-items-0-hs_code-error" in (hs.get_attribute("aria-describedby") or "")
    assert page.locator(".error-message").count() == 1
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "f-items-0-hs_code"


def test_language_switcher_turns_the_page_to_spanish_and_french(page):
    browser_sign_in(page, "trader-a")
    page.get_by_role("button", name="Español").click()
    page.wait_for_function("document.documentElement.lang === 'es'")
    assert page.get_by_role("heading", level=1).inner_text() == "Mis declaraciones"
    assert page.get_by_role("link", name="Presentar una declaración").first.is_visible()
    page.get_by_role("button", name="Français").click()
    page.wait_for_function("document.documentElement.lang === 'fr'")
    assert page.get_by_role("heading", level=1).inner_text() == "Mes déclarations"
    page.goto("/declarations/new")
    assert page.get_by_role("heading", level=1).inner_text() == "Déposer une déclaration"
    assert {c["name"]: c["value"] for c in page.context.cookies()}["lang"] == "fr"
