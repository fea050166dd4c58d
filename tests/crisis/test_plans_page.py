"""The continuity plans page: every office's plan, its events' measures, longest duration and activation now,
for staff, in English, Spanish and French."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from clearway.crisis.plans import plan_activate, plan_find, plans_load
from clearway.crisis.service import emergency_lift
from clearway.db import get_sessionmaker, utcnow
from tests.web.conftest import sign_in
from tests.web.test_no_english_leaks import leaks

WORDS = {"en": ("Continuity plans", "Who decides", "72 hours", "Not active", "duties paid or secured before release"),
         "es": ("Planes de continuidad", "Quién decide", "72 horas", "No activo",
                "derechos pagados o garantizados antes del levante"),
         "fr": ("Plans de continuité", "Qui décide", "72 heures", "Non actif",
                "droits payés ou garantis avant la mainlevée")}


def _event(html: str, plan: str, event: str) -> str:
    """The article of one plan's event."""
    found = re.search(rf'<article[^>]*aria-labelledby="ev-{plan}-{event}".*?</article>', html, re.S)
    assert found is not None, (plan, event)
    return found.group(0)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_officers_read_every_plan_its_measures_and_longest_duration_in_their_language(client, lang):
    sign_in(client, "officer")
    page = client.get("/crisis/plans", headers={"Accept-Language": lang})
    assert page.status_code == 200
    text = html.unescape(page.text)
    for plan in plans_load().values():
        assert plan.title.model_dump()[lang] in text and plan.decides.model_dump()[lang] in text
    assert all(w in page.text for w in WORDS[lang])
    disaster = _event(page.text, "kr0101-continuity", "disaster")
    assert 'data-state="inactive"' in disaster and "30, 63, 90" in disaster
    surge = _event(page.text, "kr0101-continuity", "surge")
    assert re.search(r"50 %.*25 %", surge, re.S)  # the surge keeps half of the model's controls, a quarter drawn
    if lang != "en":
        assert leaks(page.text, lang) == []


def test_an_activation_shows_with_its_end_and_then_as_ended(client):
    plan = plan_find("KR0201")
    at = utcnow()
    with get_sessionmaker()() as db, db.begin():
        (profile,) = plan_activate(db=db, plan=plan, event="surge", actor="admin", now=at,
                                   ends_at=at + timedelta(hours=10))
        profile_id, ends = profile.id, profile.expires_at
    sign_in(client, "admin")
    surge = _event(client.get("/crisis/plans").text, "kr0201-continuity", "surge")
    assert 'data-state="active"' in surge and f'href="/crisis/emergencies/{profile_id}"' in surge
    assert ends.strftime("%Y-%m-%d %H:%M") in surge
    assert 'data-state="inactive"' in _event(client.get("/crisis/plans").text, "kr0201-continuity",
                                             "data_centre_down")
    with get_sessionmaker()() as db, db.begin():
        from clearway.crisis.models import EmergencyProfile

        emergency_lift(db=db, profile=db.get(EmergencyProfile, profile_id), actor="admin", now=utcnow())
    surge = _event(client.get("/crisis/plans").text, "kr0201-continuity", "surge")
    assert 'data-state="inactive"' in surge and "last activation ended" in surge


def test_traders_do_not_see_the_plans(client):
    sign_in(client, "trader-a")
    assert client.get("/crisis/plans").status_code == 403
