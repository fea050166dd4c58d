"""The single window speaks English, Spanish and French: the same keys, the same placeholders, no English left."""

from __future__ import annotations

import re
from pathlib import Path

import clearway
from tests.locales import assert_translated, catalogue

# An acronym, and words French spells as English does.
SAME = {"es": {"ui.agencies.mrn"}, "fr": {"ui.agencies.mrn", "ui.agencies.conditions", "ui.agencies.lpco"}}


def _load(lang: str) -> dict[str, str]:
    return catalogue("agencies", lang)


def test_spanish_and_french_have_every_key_with_its_placeholders_and_no_english_left():
    assert_translated("agencies", SAME)


def test_every_hold_the_provider_can_give_has_a_message():
    en = _load("en")
    source = (Path(clearway.__file__).parent / "agencies" / "holds.py").read_text()
    codes = set(re.findall(r'"((?:agency|permit)\.[a-z_]+)"', source))
    assert codes and all(f"hold.{c}" in en for c in codes), codes - {k[5:] for k in en}
