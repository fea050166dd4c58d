"""Reference data shipped with the package: HS editions, countries, currencies, offices, codes.

Loaded once per process into frozen lookups; validation on the request path only does set
membership, never a database round trip.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class HsEdition:
    """One edition of the Harmonized System and the dates it governs."""

    name: str
    valid_from: date
    valid_to: date | None
    codes: dict[str, tuple[int, str, str]]  # code -> (level, parent, description)

    def covers(self, on: date) -> bool:
        """True when the edition is in force on the date."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Office:
    """A customs office where declarations are lodged or goods cross."""

    code: str
    name: str
    kind: str
    country: str
    timezone: str
    opens: str
    closes: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("clearway.reference.data").joinpath(name).read_text("utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


@lru_cache
def hs_editions() -> tuple[HsEdition, ...]:
    """Every HS edition shipped, oldest first."""
    editions = []
    for row in _rows("hs_editions.csv"):
        codes = {r["code"]: (int(r["level"]), r["parent"], r["description"]) for r in _rows(row["file"])}
        editions.append(
            HsEdition(
                name=row["edition"],
                valid_from=date.fromisoformat(row["valid_from"]),
                valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                codes=codes,
            )
        )
    return tuple(sorted(editions, key=lambda e: e.valid_from))


def hs_edition_on(on: date) -> HsEdition | None:
    """The HS edition in force on a date, if any."""
    for edition in reversed(hs_editions()):
        if edition.covers(on):
            return edition
    return None


def hs_describe(code: str, on: date) -> str | None:
    """The description of an HS code (2, 4 or 6 digits) in the edition valid on a date."""
    edition = hs_edition_on(on)
    entry = edition.codes.get(code[:6]) if edition else None
    return entry[2] if entry else None


@lru_cache
def countries() -> dict[str, dict[str, str]]:
    """ISO 3166-1 alpha-2 code -> names in en/es/fr."""
    return {r["code"]: r for r in _rows("countries.csv")}


@lru_cache
def currencies() -> dict[str, str]:
    """ISO 4217 alphabetic code -> name."""
    return {r["code"]: r["name"] for r in _rows("currencies.csv")}


# ISO 4217 codes that are not money one can invoice in: no currency, testing, precious metals, bond-market
# units and the IMF's and others' accounting units (they are in the list, but a trader never pays in them).
NOT_TRADE_CURRENCIES = frozenset({"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR",
                                  "XSU", "XUA", "XAD"})
# ISO 4217 fund codes (List One's "fund" entries): indexed units and settlement variants, not invoice currencies.
FUND_CURRENCIES = frozenset({"BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"})
NOT_TRADE_CURRENCIES = NOT_TRADE_CURRENCIES | FUND_CURRENCIES


@lru_cache
def trade_currencies() -> dict[str, str]:
    """The ISO 4217 currencies goods can be invoiced and paid in (the list without metals, units and XXX)."""
    return {code: name for code, name in currencies().items() if code not in NOT_TRADE_CURRENCIES}


@lru_cache
def offices() -> dict[str, Office]:
    """Customs office code -> office."""
    return {r["code"]: Office(**r) for r in _rows("offices.csv")}


@lru_cache
def transport_modes() -> dict[str, dict[str, str]]:
    """UN/ECE Recommendation 19 mode code -> names in en/es/fr."""
    return {r["code"]: r for r in _rows("transport_modes.csv")}


@lru_cache
def incoterms() -> dict[str, dict[str, str]]:
    """Incoterms 2020 rule code -> its properties."""
    return {r["code"]: r for r in _rows("incoterms.csv")}


@lru_cache
def quantity_units() -> dict[str, str]:
    """UN/ECE Recommendation 20 unit code -> name (the subset customs uses)."""
    return {r["code"]: r["name"] for r in _rows("quantity_units.csv")}


@lru_cache
def package_kinds() -> dict[str, str]:
    """UN/ECE Recommendation 21 package code -> name (the common subset)."""
    return {r["code"]: r["name"] for r in _rows("package_kinds.csv")}


def _localised(rows: dict[str, dict[str, str]], locale: str) -> list[tuple[str, str]]:
    """(code, name in the locale) for rows that carry `name` (English), `name_es` and `name_fr`."""
    return [(code, row.get(f"name_{locale}") or row["name"]) for code, row in rows.items()]


def incoterm_names(locale: str) -> list[tuple[str, str]]:
    """Incoterms 2020 rules as (code, the ICC's name in the locale)."""
    return _localised(incoterms(), locale)


def quantity_unit_names(locale: str) -> list[tuple[str, str]]:
    """UN/ECE Recommendation 20 units as (code, name in the locale)."""
    return _localised({r["code"]: r for r in _rows("quantity_units.csv")}, locale)


def package_kind_names(locale: str) -> list[tuple[str, str]]:
    """UN/ECE Recommendation 21 package kinds as (code, name in the locale)."""
    return _localised({r["code"]: r for r in _rows("package_kinds.csv")}, locale)


def trade_currency_names(locale: str) -> list[tuple[str, str]]:
    """The trade currencies as (code, ISO 4217 name in the locale)."""
    rows = {r["code"]: r for r in _rows("currencies.csv") if r["code"] in trade_currencies()}
    return _localised(rows, locale)


def country_name(code: str, locale: str = "en") -> str:
    """A country's name in a locale, or the code when unknown."""
    row = countries().get(code)
    return row.get(f"name_{locale}", row["name_en"]) if row else code


@dataclass(frozen=True)
class HsSection:
    """A section of the HS 2022 nomenclature (Roman numeral) and its title as the source gives it."""

    number: str
    title: str


@lru_cache
def hs_sections() -> tuple[dict[str, HsSection], dict[str, str]]:
    """Section numeral -> section, and HS 2022 code (2, 4 or 6 digits) -> its section numeral."""
    sections = {r["section"]: HsSection(r["section"], r["name"]) for r in _rows("hs_sections.csv")}
    return sections, {r["code"]: r["section"] for r in _rows("hs2022.csv") if r["section"]}
