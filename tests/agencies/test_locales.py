"""The single window speaks English, Spanish and French: the same keys, the same placeholders, no English left."""

from __future__ import annotations

import json
import re
from pathlib import Path

import clearway

LOCALES = Path(clearway.__file__).with_name("locales")
# An acronym, and words French spells as English does.
SAME = {"es": {"ui.agencies.mrn"}, "fr": {"ui.agencies.mrn", "ui.agencies.conditions", "ui.agencies.lpco"}}


def _load(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"agencies_{lang}.json").read_text("utf-8"))


def test_spanish_and_french_have_every_key_with_its_placeholders_and_no_english_left():
    en = _load("en")
    for lang in ("es", "fr"):
        other = _load(lang)
        assert set(other) == set(en), lang
        for key, text in en.items():
            assert set(re.findall(r"{(\w+)}", other[key])) == set(re.findall(r"{(\w+)}", text)), (lang, key)
            if key not in SAME[lang]:
                assert other[key] != text, (lang, key)


def test_every_hold_the_provider_can_give_has_a_message():
    en = _load("en")
    source = (Path(clearway.__file__).parent / "agencies" / "holds.py").read_text()
    codes = set(re.findall(r'"((?:agency|permit)\.[a-z_]+)"', source))
    assert codes and all(f"hold.{c}" in en for c in codes), codes - {k[5:] for k in en}
