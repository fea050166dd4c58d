"""The seizure form's case picker: the officer picks the enforcement case (with its declaration) from the cases it
may publish, each naming the alerts behind the seizure that the officer may read for the purpose it states. An
alert the marking hides from the reader (RED to the FIU, a purpose the alert does not allow) is never listed; a
case on a declaration the officer cannot see is not offered; a published case leaves the list."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import update

from clearway.db import get_sessionmaker
from clearway.declarations.models import Declaration
from tests.factories import auth
from tests.intelligence.helpers import create, fiu
from tests.intelligence.test_seizures import _seize
from tests.web.conftest import csrf_of, sign_in

pytestmark = pytest.mark.usefixtures("world")
WORDS = {"en": ("Pick the enforcement case the seizure belongs to", "Alerts behind it", "declaration"),
         "es": ("Elija el expediente de infracción", "Alertas que la motivaron", "declaración"),
         "fr": ("Choisissez le dossier contentieux", "Alertes à l'origine", "déclaration")}


def _picker(html: str) -> str:
    """The case picker's fieldset ('' when the page has none)."""
    return html.split('<fieldset id="f-case"', 1)[1].split("</fieldset>", 1)[0] if 'id="f-case"' in html else ""


def _outcome(client, who: str, ref: str, purpose: str, mrn: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/api/v1/intelligence/alerts/{ref}/outcomes", params={"purpose": purpose},
                    json={"mrn": mrn, "outcome": "seizure"}, headers=auth(client, who))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_officer_picks_the_case_from_a_list_naming_only_the_alerts_it_may_read(client, lang):
    fiu()
    h = {"Accept-Language": lang}
    hint, behind, declaration = WORDS[lang]
    amber = create(marking="AMBER", subject_type="goods", subject_value="930200", recipients=[])
    red = create(marking="RED", subject_type="route", subject_value="CN-KR", recipients=["user:fiu"],
                 purposes=["investigation"])
    mrn, case = _seize(client)
    _outcome(client, "officer", amber, "control", mrn)
    _outcome(client, "analyst", red, "investigation", mrn)  # the RED alert's originator reports on it too
    sign_in(client, "officer")
    page = client.get("/intelligence/seizures?purpose=control", headers=h).text
    picker = unescape(_picker(page))
    assert hint in picker and behind in picker and f"{declaration} {mrn}" in picker
    assert f'type="radio" id="case-1" name="case" value="{case}"' in picker and '<label for="case-1">' in picker
    assert f'data-alert="{amber}"' in picker and "TLP:AMBER" in picker
    assert red not in page and "TLP:RED" not in picker  # never named, not even by its marking
    # For a purpose the AMBER alert does not allow, the case is offered without naming it.
    policy = _picker(client.get("/intelligence/seizures?purpose=policy", headers=h).text)
    assert f'value="{case}"' in policy and amber not in policy and behind not in unescape(policy)
    # Picking the case publishes it; it then leaves the list.
    done = client.post("/intelligence/seizures?purpose=control", headers=h, follow_redirects=False,
                       data={"csrf": csrf_of(page), "case": case, "marking": "GREEN", "purposes": ["policy"]})
    assert done.status_code == 303
    after = client.get("/intelligence/seizures?purpose=control", headers=h).text
    assert _picker(after) == "" and 'id="no-cases"' in after


def test_the_alerts_originator_sees_its_red_alert_named_and_an_officer_of_another_office_sees_no_case(client):
    fiu()
    red = create(marking="RED", subject_type="route", subject_value="CN-KR", recipients=["user:fiu"],
                 purposes=["investigation"])
    mrn, case = _seize(client)
    _outcome(client, "analyst", red, "investigation", mrn)
    sign_in(client, "analyst")
    mine = _picker(client.get("/intelligence/seizures?purpose=investigation").text)
    assert f'value="{case}"' in mine and f'data-alert="{red}"' in mine
    client.cookies.clear()
    with get_sessionmaker()() as db, db.begin():  # the declaration belongs to another office than the officer's
        db.execute(update(Declaration).where(Declaration.mrn == mrn).values(office="KR9999"))
    sign_in(client, "officer")
    theirs = client.get("/intelligence/seizures?purpose=investigation").text
    assert case not in theirs and 'id="no-cases"' in theirs
