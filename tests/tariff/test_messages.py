"""Every message code the tariff domain raises has an English, Spanish and French text."""

from __future__ import annotations

import re
from pathlib import Path

import clearway.tariff
from clearway.i18n import catalogue
from clearway.tariff.messages import message

SOURCE = Path(clearway.tariff.__file__).parent
# Codes are made by problem("x"), refuse("x"), row.fail(column, "x") or spelled "tariff.x"; compute.py
# picks some by name ("line_unknown", "preference_no_proof") before passing them to problem().
PATTERNS = [re.compile(r'\b(?:problem|refuse)\(\s*"(\w+)"'), re.compile(r'"(tariff\.\w+)"'),
            re.compile(r'\.fail\(\s*"\w+",\s*"(\w+)"'), re.compile(r'"(line_\w+|preference_\w+)"')]


def _codes() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.glob("*.py"):
        if path.name != "messages.py":
            text = path.read_text("utf-8")
            found |= {c if c.startswith("tariff.") else f"tariff.{c}" for p in PATTERNS for c in p.findall(text)}
    return found


def test_every_code_has_three_languages() -> None:
    codes = _codes()
    assert {"tariff.line_unknown", "tariff.rate_missing", "tariff.import_overlap"} <= codes
    for locale in ("en", "es", "fr"):
        assert sorted(codes - set(catalogue(locale))) == [], locale
        assert all(catalogue(locale)[code] for code in codes)


def test_messages_fill_their_parameters_and_fall_back() -> None:
    assert message("tariff.rate_missing", "fr", currency="USD", on="2026-03-10") == (
        "Aucun taux de change douanier pour USD le 2026-03-10")
    assert message("tariff.rate_missing", "de", currency="USD", on="x").startswith("No customs exchange rate")
    assert message("tariff.nothing_like_this") == "tariff.nothing_like_this"
