"""Customs value on a CIF basis from invoice value, Incoterm, freight and insurance (rules in `rules`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple, Protocol

from clearway.errors import Problem
from clearway.tariff import rules
from clearway.tariff.errors import problem
from clearway.tariff.snapshot import RateTable

_ONE = Decimal(1)


class ValuedDocument(Protocol):
    """What valuation reads from a declaration (DeclarationCreate satisfies it)."""

    @property
    def currency(self) -> str: ...
    @property
    def incoterm(self) -> str: ...
    @property
    def freight(self) -> str | None: ...
    @property
    def insurance(self) -> str | None: ...


class Valuation(NamedTuple):
    """How invoice values become customs values: value x factor x rate, rounded per item."""

    factor: Decimal  # CIF value per unit of invoice value, in the declaration currency
    rate: Decimal  # customs exchange rate: national units per declaration currency unit
    multiplier: Decimal  # factor x rate, applied to each item's invoice value


def _share(declared: str | None, default: Decimal, items_total: Decimal) -> Decimal:
    if declared is None:
        return default
    # Declared amounts are shared by value; with nothing to share them by they cannot be added.
    return Decimal(declared) / items_total if items_total else Decimal(0)


def cif_factor(*, incoterm: str, freight: str | None, insurance: str | None, items_total: Decimal) -> Decimal | None:
    """The CIF value per unit of invoice value for an Incoterm, or None for an unknown Incoterm."""
    if incoterm in rules.INCOTERMS_KEPT:
        return _ONE
    if incoterm not in rules.INCOTERMS_ADD_INSURANCE:
        return None
    factor = _ONE + _share(insurance, rules.DEFAULT_INSURANCE_RATE, items_total)
    if incoterm in rules.INCOTERMS_ADD_FREIGHT:
        factor += _share(freight, rules.DEFAULT_FREIGHT_RATE, items_total)
    return factor


def valuation(*, document: ValuedDocument, items_total: Decimal, rates: RateTable, on: date,
              problems: list[Problem]) -> Valuation | None:
    """The valuation of a declaration on a date; appends coded problems and returns None on failure."""
    factor = cif_factor(incoterm=document.incoterm, freight=document.freight, insurance=document.insurance,
                        items_total=items_total)
    if factor is None:
        problems.append(problem("incoterm_unknown", "/incoterm", incoterm=document.incoterm))
    rate = rates.rate(document.currency, on)
    if rate is None:
        problems.append(problem("rate_missing", "/currency", currency=document.currency, on=on.isoformat()))
    if factor is None or rate is None:
        return None
    return Valuation(factor, rate, factor * rate)
