"""Message catalogues in English, Spanish and French, and locale negotiation."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

LOCALES = ("en", "es", "fr")
DEFAULT_LOCALE = "en"


@lru_cache
def catalogue(locale: str) -> dict[str, str]:
    """All messages of one locale, keyed by stable code (problem codes and UI strings)."""
    data: dict[str, str] = {}
    folder = resources.files("clearway.locales")
    # The core catalogues first, then one file per domain (`<domain>_<locale>.json`), in name order.
    names = [f"{locale}.json", f"ui_{locale}.json"]
    names += sorted(entry.name for entry in folder.iterdir()
                    if entry.name.endswith(f"_{locale}.json") and entry.name not in names)
    for name in names:
        entry = folder.joinpath(name)
        if entry.is_file():
            data.update(json.loads(entry.read_text("utf-8")))
    return data


def translate(code: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """The message for a code in a locale, falling back to English, then to the code itself."""
    template = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE).get(code)
    if template is None:
        template = catalogue(DEFAULT_LOCALE).get(code, code)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def negotiate(accept_language: str | None, cookie: str | None = None) -> str:
    """Pick a supported locale from a cookie or an Accept-Language header."""
    if cookie in LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LOCALES:
            return tag
    return DEFAULT_LOCALE
