"""In a real Chromium: typing a description on the lodge form offers HS codes under the code field."""

from __future__ import annotations

import pytest

from tests.web.conftest import browser_sign_in

pytestmark = pytest.mark.browser


def test_typing_a_description_offers_codes_for_the_item(page):
    browser_sign_in(page, "trader-a")
    page.get_by_role("link", name="Lodge a declaration").first.click()
    item = page.get_by_role("group", name="Item 1")
    item.get_by_label("Description of goods").fill("men's cotton t-shirts crew neck")
    page.wait_for_selector("#dl-classify-0 option", state="attached", timeout=20_000)
    offered = page.eval_on_selector_all("#dl-classify-0 option", "els => els.map(e => e.value)")
    assert offered[0] == "610910" and len(offered) == 5
    assert item.get_by_label("HS code").get_attribute("list") == "dl-classify-0"
