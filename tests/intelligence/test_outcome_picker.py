"""The outcome form's declaration picker: the officer picks the declaration an alert's outcome is on from those
the alert concerned (acted on against it, or its subject matched) that the officer may see and that have no
outcome from it yet, instead of typing an MRN; another declaration can still be named by its MRN."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import update

from clearway.db import get_sessionmaker
from clearway.declarations.models import Declaration
from tests.factories import auth, lodge_direct
from tests.intelligence.helpers import create
from tests.web.conftest import csrf_of, sign_in

pytestmark = pytest.mark.usefixtures("world")
WORDS = {"en": ("Pick the declaration", "targeted with this alert", "matches its subject", "Another declaration"),
         "es": ("Elija la declaración", "señalada con esta alerta", "coincide con su objeto", "Otra declaración"),
         "fr": ("Choisissez la déclaration", "ciblée avec cette alerte", "correspond à son objet",
                "Une autre déclaration")}


def _picked(html: str) -> list[str]:
    """The MRNs the picker offers, in its order."""
    picker = html.split('<fieldset id="f-mrn"', 1)[1].split("</fieldset>", 1)[0] if 'id="f-mrn"' in html else ""
    return [part.split('"', 1)[0] for part in picker.split('data-mrn="')[1:]]


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_officer_picks_the_declaration_of_an_outcome_from_those_the_alert_concerned(client, lang):
    h = {"Accept-Language": lang}
    hint, acted_word, matched_word, other_word = WORDS[lang]
    ref = create(marking="AMBER", recipients=[], hold_goods=True)  # on trader A, whose goods it holds
    older, newer = lodge_direct("trader-a", 2)
    targeted, unrelated, elsewhere = lodge_direct("trader-b", 3)
    assert client.post(f"/api/v1/intelligence/alerts/{ref}/actions", params={"purpose": "control"},
                       json={"target": "declaration", "mrn": targeted, "hold": True},
                       headers=auth(client, "officer")).status_code == 201
    (hidden,) = lodge_direct("trader-a")  # matching, but moved to an office the officer does not see
    with get_sessionmaker()() as db, db.begin():
        db.execute(update(Declaration).where(Declaration.mrn == hidden).values(office="KR9999"))
    sign_in(client, "officer")
    page = client.get(f"/intelligence/alerts/{ref}?purpose=control", headers=h).text
    assert _picked(page) == [targeted, newer, older]  # acted on first, then matched, newest first
    text = unescape(page.split('<fieldset id="f-mrn"', 1)[1].split("</fieldset>", 1)[0])
    assert hint in text and acted_word in text and matched_word in text and other_word in text
    assert unrelated not in page and elsewhere not in page and hidden not in page
    assert '<label for="mrn-1">' in page and '<label for="f-mrn-other">' in page
    # The picked declaration gets the outcome and leaves the list.
    r = client.post(f"/intelligence/alerts/{ref}/outcomes?purpose=control", headers=h, follow_redirects=False,
                    data={"csrf": csrf_of(page), "mrn": newer, "outcome": "hit"})
    assert r.status_code == 303, r.text
    page = client.get(f"/intelligence/alerts/{ref}?purpose=control", headers=h).text
    assert _picked(page) == [targeted, older]
    # "Another declaration": the MRN typed in its field.
    r = client.post(f"/intelligence/alerts/{ref}/outcomes?purpose=control", headers=h, follow_redirects=False,
                    data={"csrf": csrf_of(page), "mrn": "", "mrn_other": unrelated.lower(), "outcome": "no_hit"})
    assert r.status_code == 303, r.text
    read = client.get(f"/api/v1/intelligence/alerts/{ref}", params={"purpose": "control"},
                      headers=auth(client, "officer")).json()
    assert sorted((o["mrn"], o["outcome"]) for o in read["outcomes"]) == sorted([(newer, "hit"),
                                                                               (unrelated, "no_hit")])
