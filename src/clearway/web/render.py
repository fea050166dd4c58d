"""Rendering pages: the Jinja2 environment, template helpers and the security headers of every page."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from clearway.auth.schemas import Principal
from clearway.i18n import LOCALES, translate
from clearway.web.security import PRESESSION_COOKIE, cookie_set, csrf_token, page_locale

LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français"}
CHANNELS = ("green", "yellow", "red", "blue")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_SEPARATORS = {"en": (",", "."), "es": (".", ","), "fr": ("\u202f", ",")}


def label(locale: str, prefix: str, value: object) -> str:
    """The translated label of a code (e.g. a status), or the code itself when there is none."""
    key = f"{prefix}.{value}"
    text = translate(key, locale)
    return str(value) if text == key else text


def money(value: Decimal | str | None, currency: str, locale: str) -> str:
    """An amount with at least two decimals, grouped the way the locale writes it, and its currency."""
    if value is None:
        return ""
    amount = Decimal(value).normalize()
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    group, point = _SEPARATORS.get(locale, _SEPARATORS["en"])
    text = format(amount, ",f").replace(",", "\0").replace(".", point).replace("\0", group)
    return f"{text}\u00a0{currency}"


def number(value: Decimal | float | int | str | None, locale: str, places: int | None = None) -> str:
    """A number grouped and pointed the way the locale writes it (12 345,5 in French); `places` rounds it."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    amount = Decimal(str(value))
    if places is not None:
        amount = round(amount, places)
    group, point = _SEPARATORS.get(locale, _SEPARATORS["en"])
    text = format(amount, ",f")
    if isinstance(value, float) and places is None and text.endswith(".0"):  # 2.0 h reads as 2 h
        text = text[:-2]
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def month(period: str, locale: str) -> str:
    """A "YYYY-MM" period as the locale names it ("nov. 2026"); anything else as it is."""
    year, _, mm = str(period).partition("-")
    if not (year.isdigit() and mm.isdigit() and 1 <= int(mm) <= 12 and len(mm) == 2):
        return str(period)
    return translate("ui.month_year", locale, month=translate(f"ui.month.{MONTHS[int(mm) - 1]}", locale), year=year)


def utc(at: datetime | str | None) -> str:
    """A timestamp (or an RFC 3339 text) in UTC, written unambiguously."""
    if isinstance(at, str):
        text = at
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(at: datetime | None) -> str:
    """A timestamp as RFC 3339 for a <time datetime> attribute."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else ""


@lru_cache
def environment() -> Environment:
    """The template environment: autoescaped, strict about undefined names."""
    env = Environment(loader=PackageLoader("clearway.web", "templates"), autoescape=select_autoescape(),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(languages=[(code, LANGUAGE_NAMES[code]) for code in LOCALES], utc=utc, iso=iso,
                       channels=CHANNELS)
    return env


def render(request: Request, template: str, *, user: Principal | None, status: int = 200, here: str | None = None,
           **context: Any) -> HTMLResponse:
    """A page in the caller's language, with its CSRF token and security headers; `here` is where to come back."""
    locale = page_locale(request)
    token, fresh = csrf_token(request)
    if here is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = environment().get_template(template).render(
        locale=locale, user=user, csrf=token, here=here,
        t=lambda key, **params: translate(key, locale, **params), label=partial(label, locale),
        money=partial(money, locale=locale), number=partial(number, locale=locale), month=partial(month, locale=locale),
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers=HEADERS)
    # The language was chosen from the cookie or Accept-Language: caches must key on both (RFC 9110 §12.5.5).
    response.headers["Content-Language"] = locale
    response.headers["Vary"] = "Accept-Language, Cookie"
    if fresh:
        cookie_set(response, PRESESSION_COOKIE, fresh, 60 * 60 * 24)
    return response
