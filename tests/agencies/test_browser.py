"""In a real Chromium: the agency decides a referral from its inbox, and the trader's page shows the hold lifted."""

from __future__ import annotations

import pytest

from tests.agencies.helpers import FISH, doc_with, load_shipped, who
from tests.factories import wiring
from tests.web.conftest import browser, browser_sign_in, live_server, page  # noqa: F401 -- fixtures used below

pytestmark = pytest.mark.browser


def _lodge_fish() -> str:
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker, utcnow

    trader = who("trader-a")
    with get_sessionmaker()() as db, db.begin():
        return declaration_lodge(db=db, wiring=wiring(), actor=trader, raw=doc_with(FISH), now=utcnow()).mrn


def test_the_agency_releases_from_its_inbox_and_the_trader_sees_the_goods_go(page, browser, live_server):  # noqa: F811
    load_shipped()
    mrn = _lodge_fish()
    browser_sign_in(page, "trader-a")
    page.goto(f"/declarations/{mrn}")
    assert "Waiting for the decision of MFDS on item 1" in page.locator("ol.timeline").inner_text()
    assert page.locator('ol.timeline > li[data-kind="released"]').count() == 0

    agency = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    browser_sign_in(agency, "agency")
    agency.get_by_role("link", name="Single window").click()
    row = agency.get_by_role("row").filter(has_text=mrn)
    assert "Frozen mackerel" in row.inner_text()
    row.get_by_role("link", name="Open").click()
    agency.get_by_label("Release", exact=True).check()
    agency.get_by_role("button", name="Record the decision").click()
    agency.wait_for_url("**/agencies/inbox?state=open")
    assert mrn not in agency.locator("main").inner_text()

    page.reload()
    assert page.locator('ol.timeline > li[data-kind="released"]').count() == 1
