"""Every coded event reason has its words in each language and renders its parameters (issue 12, "Screens")."""

from __future__ import annotations

import re

import pytest

from clearway.declarations.reasons import event_reason
from clearway.i18n import catalogue
from clearway.web.render import money

PARAMS = {"amount": "1234.5", "total": "1234.5", "currency": "KRW", "reference": "PAY-1", "channel": "red",
          "source": 3, "agency": "MFDS", "item": 2, "at": "2026-11-20T08:30:00+00:00", "place": "ICN-4",
          "documents": "N935", "due": "2026-11-27", "seized": 2,
          "text": "tip-off", "user": "agency", "guarantee": "7",
          "profile": "4"}  # re-routing, agency, guarantee, relief
CODES = sorted(k[len("event."):] for k in catalogue("en") if k.startswith("event."))


def _say(code, locale, params=PARAMS):
    return event_reason(code=code, params=params, locale=locale, money=lambda v, c: money(v, c, locale))


@pytest.mark.parametrize("locale", ["es", "fr"])
def test_each_code_is_translated_and_fills_its_parameters(locale):
    assert len(CODES) >= 15
    for code in CODES:
        if code == "held":
            continue
        assert f"event.{code}" in catalogue(locale), code
        text = _say(code, locale)
        assert text and text != _say(code, "en") and not re.search(r"\{\w+\}", text), (code, text)


def test_money_and_channels_are_written_the_readers_way():
    assert _say("awaiting_payment", "fr") == ("En attente du paiement ou de la garantie de 1\u202f234,50\u00a0KRW, "
                                              "référence de paiement PAY-1")
    assert _say("channelled", "es") == "Canal: Rojo"


def test_a_held_event_lists_each_hold_in_the_readers_language():
    params = {"holds": [{"code": "control.open", "params": {"kind": "documentary"}}]}
    fr, en = _say("held", "fr", params), _say("held", "en", params)
    assert fr.startswith("Retenue : ") and en.startswith("Held: ") and fr[10:] != en[6:]


def test_an_old_row_without_a_code_has_no_coded_reason():
    assert _say(None, "fr") is None and _say("no.such.code", "fr") is None
