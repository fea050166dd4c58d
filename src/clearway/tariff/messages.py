"""Tariff message texts live in the shared catalogues (src/clearway/locales/*.json)."""

from __future__ import annotations

from typing import Any

from clearway.i18n import translate


def message(code: str, locale: str = "en", /, **params: Any) -> str:
    """The text of a tariff code in a locale, falling back to English, then to the code."""
    return translate(code, locale, **params)
