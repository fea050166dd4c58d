"""The pickers of the seizure form (its case) and of the outcome form (its declaration) in a real Chromium on a
390 px phone: axe-core finds no serious or critical violation, nothing spills out sideways, and an officer picks
and submits with the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.intelligence.helpers import create
from tests.intelligence.test_seizures import _seize
from tests.web.conftest import browser, live_server  # noqa: F401  (fixtures)
from tests.web.test_accessibility_layout import _LAYOUT, SERIOUS, _signed_in

pytestmark = pytest.mark.browser


def test_the_case_picker_is_accessible_fits_a_phone_and_works_from_the_keyboard(client, browser, live_server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    amber = create(marking="AMBER", subject_type="goods", subject_value="930200", recipients=[])
    mrn, case = _seize(client)
    r = client.post(f"/api/v1/intelligence/alerts/{amber}/outcomes", params={"purpose": "control"},
                    json={"mrn": mrn, "outcome": "seizure"}, headers=_officer(client))
    assert r.status_code == 201, r.text
    context = _signed_in(browser, live_server, "officer", (390, 844))
    try:
        tab = context.new_page()
        assert tab.goto("/intelligence/seizures?purpose=control").status == 200
        picker = tab.locator("#f-case")
        assert amber in picker.inner_text() and mrn in picker.inner_text()
        results = Axe().run(tab, options={"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
        serious = [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]
        layout: dict[str, Any] = tab.evaluate(_LAYOUT)
        assert (serious, max(0, layout["overflow"]), layout["outside"]) == ([], 0, [])
        box = picker.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        # The radio is named by its label (the case and its declaration), reached and chosen from the keyboard.
        radio = tab.get_by_role("radio", name=case)
        radio.focus()
        tab.keyboard.press("Space")
        assert radio.is_checked()
        with tab.expect_navigation():
            tab.keyboard.press("Enter")  # submits the form the radio is in
        assert tab.locator("#no-cases").is_visible() and tab.locator("#seizures").is_visible()
    finally:
        context.close()


def _officer(client: Any) -> dict[str, str]:
    from tests.factories import auth

    return auth(client, "officer")


def test_the_outcome_forms_declaration_picker_is_accessible_on_a_phone_and_works_from_the_keyboard(
        client, browser, live_server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    from tests.factories import lodge_direct

    ref = create(marking="AMBER", recipients=[], hold_goods=True)  # on trader A
    (mrn,) = lodge_direct("trader-a")
    context = _signed_in(browser, live_server, "officer", (390, 844))
    try:
        tab = context.new_page()
        assert tab.goto(f"/intelligence/alerts/{ref}?purpose=control").status == 200
        results = Axe().run(tab, options={"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
        serious = [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]
        layout: dict[str, Any] = tab.evaluate(_LAYOUT)
        assert (serious, max(0, layout["overflow"]), layout["outside"]) == ([], 0, [])
        radio = tab.get_by_role("radio", name=mrn)
        assert radio.is_checked()  # the only declaration it concerned comes picked
        radio.focus()
        tab.keyboard.press("ArrowDown")  # arrows move within the group: to "another declaration"
        assert tab.locator("#mrn-other").is_checked()
        tab.keyboard.press("ArrowUp")
        assert radio.is_checked()
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert tab.locator("#outcomes").is_visible() and mrn in tab.locator("#outcomes").inner_text()
    finally:
        context.close()
