"""The message catalogues of a domain (src/clearway/locales/<domain>_<lang>.json), and the check every domain's
tests make of them: es and fr have every key of en, with the same placeholders, and no English left."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Set
from pathlib import Path

import clearway

LOCALES = Path(clearway.__file__).with_name("locales")


def catalogue(domain: str, lang: str) -> dict[str, str]:
    """The messages of one domain in one language."""
    return json.loads((LOCALES / f"{domain}_{lang}.json").read_text("utf-8"))


def assert_translated(domain: str, same: Mapping[str, Set[str]]) -> None:
    """es and fr carry every en key with its placeholders, each text translated unless listed in `same[lang]`."""
    en = catalogue(domain, "en")
    for lang in ("es", "fr"):
        other = catalogue(domain, lang)
        assert set(other) == set(en), lang
        for key, text in en.items():
            assert set(re.findall(r"{(\w+)}", other[key])) == set(re.findall(r"{(\w+)}", text)), (lang, key)
            if key not in same[lang]:
                assert other[key] != text, (lang, key)
