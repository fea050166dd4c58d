"""Intelligence pages in English, Spanish and French: the analyst creates an alert by form, it opens under its
marking banner, the officer holds a declaration with it and reports the outcome, which the analyst then sees."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

import clearway
from tests.controls.flows import lodge
from tests.intelligence.helpers import TEXT, create, status_and_holds
from tests.locales import assert_translated, catalogue
from tests.web.conftest import csrf_of, sign_in

SAME = {"es": {"ui.intel.info.5", "ui.intel.cen.category.alcohol"},
        "fr": {"ui.intel.info.5", "ui.intel.action_status.active", "ui.intel.cen.direction.transit"}}  # same word
WORDS = {"en": ("Intelligence alerts", "Create the alert", "Report the outcome", "no find"),
         "es": ("Alertas de inteligencia", "Crear la alerta", "Informar del resultado", "sin hallazgo"),
         "fr": ("Alertes de renseignement", "Créer l'alerte", "Signaler le résultat", "rien trouvé")}


def _load(lang: str) -> dict[str, str]:
    return catalogue("intelligence", lang)


def test_spanish_and_french_have_every_key_with_its_placeholders_and_no_english_left():
    assert_translated("intelligence", SAME)


def test_every_marking_subject_outcome_and_refusal_has_a_label():
    from clearway.intelligence.markings import MARKINGS, PURPOSES
    from clearway.intelligence.schemas import OUTCOMES, SUBJECT_TYPES

    en = _load("en")
    wanted = ([f"ui.intel.rule.{m}" for m in MARKINGS] + [f"ui.intel.purpose.{p}" for p in PURPOSES]
              + [f"ui.intel.subject.{s}" for s in SUBJECT_TYPES] + [f"ui.intel.outcome.{o}" for o in OUTCOMES])
    source = (Path(clearway.__file__).parent / "intelligence" / "markings.py").read_text("utf-8")
    refusals = {f"intelligence.{c}" for c in re.findall(r'_deny\("(\w+)"\)', source)}
    refusals |= {f"intelligence.red_no_{a}" for a in ("forward", "export", "print")}  # _deny(f"red_no_{action}")
    assert [k for k in [*wanted, *sorted(refusals)] if k not in en] == []


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_analyst_creates_an_alert_the_officer_reports_its_outcome_and_the_analyst_sees_it(client, lang):
    h = {"Accept-Language": lang}
    title, create_button, report, no_find = WORDS[lang]
    sign_in(client, "analyst")
    inbox = client.get("/intelligence", headers=h)
    assert inbox.status_code == 200 and title in unescape(inbox.text) and 'href="/intelligence"' in inbox.text
    form = client.get("/intelligence/alerts/new", headers=h)
    assert create_button in unescape(form.text)
    data = {"csrf": csrf_of(form.text), "kind": "alert", "subject_type": "trader", "subject_value": "KR1000000001",
            "text": TEXT, "source_ref": "HUMINT-7", "source_grade": "B", "info_grade": "2", "marking": "AMBER",
            "purposes": ["risk_targeting", "control"], "recipients": "org:KRMFDS\nuser:ghost", "valid_days": "30",
            "hold_goods": "1"}
    bad = client.post("/intelligence/alerts", data=data, headers=h, follow_redirects=False)
    # The unknown recipient comes back next to its field, in the page's language; nothing was created.
    assert bad.status_code == 422 and 'href="#f-recipients"' in bad.text and "user:ghost" in bad.text
    r = client.post("/intelligence/alerts", data={**data, "recipients": "org:KRMFDS"}, headers=h,
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    ref = re.search(r"(INT-\d{4}-\d{5})", r.headers["location"]).group(1)  # type: ignore[union-attr]
    page = client.get(r.headers["location"], headers=h)
    assert page.status_code == 200 and 'id="marking">TLP:AMBER<' in page.text and TEXT in page.text
    mrn = lodge(client)  # trader A's goods: the alert holds them
    assert status_and_holds(mrn) == ("channelled", [f"intelligence.alert:{ref}"])
    client.cookies.clear()
    sign_in(client, "officer")
    listed = client.get("/intelligence", headers=h)
    assert ref in listed.text and TEXT not in listed.text  # the list never shows the text
    page = client.get(f"/intelligence/alerts/{ref}?purpose=control", headers=h)
    assert report in unescape(page.text) and no_find in unescape(page.text)
    r = client.post(f"/intelligence/alerts/{ref}/outcomes?purpose=control", headers=h, follow_redirects=False,
                    data={"csrf": csrf_of(page.text), "mrn": mrn, "outcome": "no_hit", "note": "nothing found"})
    assert r.status_code == 303, r.text
    assert status_and_holds(mrn) == ("released", [])
    client.cookies.clear()
    sign_in(client, "analyst")
    back = client.get(f"/intelligence/alerts/{ref}", headers=h)
    assert re.search(rf'<tr data-outcome="no_hit"><td>{mrn}</td><td>{no_find}</td>', unescape(back.text))
    # The originator withdraws it from the same page: from then on it holds nothing.
    r = client.post(f"/intelligence/alerts/{ref}/withdraw", data={"csrf": csrf_of(back.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert 'action="/intelligence/alerts/' + ref + '/withdraw' not in client.get(r.headers["location"]).text
    assert status_and_holds(lodge(client))[1] == []


def test_a_trader_has_no_intelligence_page_and_an_unreadable_alert_is_a_404(client):
    ref = create(marking="RED", recipients=["user:agency"])
    sign_in(client, "trader-a")
    assert client.get("/intelligence").status_code == 403
    client.cookies.clear()
    sign_in(client, "officer")
    r = client.get(f"/intelligence/alerts/{ref}?purpose=control")
    assert r.status_code == 404 and TEXT not in r.text and "text/html" in r.headers["content-type"]
    client.cookies.clear()
    sign_in(client, "agency")
    page = client.get(f"/intelligence/alerts/{ref}?purpose=control")
    assert page.status_code == 200 and 'id="marking">TLP:RED<' in page.text
    assert "Export (JSON" not in page.text  # a RED alert is not exported by its recipient
    r = client.post(f"/intelligence/alerts/{ref}/acknowledge?purpose=control", data={"csrf": csrf_of(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "not acknowledged" not in client.get(f"/intelligence/alerts/{ref}?purpose=control").text
