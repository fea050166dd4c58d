"""Immutable in-memory snapshots of the tariff schedule and the exchange rates.

A snapshot is built once (from the database or from test data) and then only read; per-item work
during computation is a dictionary lookup. Measures may hang on a national line or on any HS
prefix (chapter, heading, subheading), as in TARIC: for a given line, kind and agreement the most
specific measure valid on the date wins; control measures (prohibitions, restrictions) all apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

DUTY_KINDS = ("duty", "excise", "vat")
CONTROL_KINDS = ("prohibition", "restriction")
KINDS = DUTY_KINDS + CONTROL_KINDS
BASES = ("ad_valorem", "specific", "compound", "mixed_max", "mixed_min")
_V = TypeVar("_V")
_HUNDRED = Decimal(100)
_DATES_KEPT = 16  # per-date caches keep the most recent dates only, so a long-running process stays small


def _remember(cache: dict[date, _V], on: date, value: _V) -> _V:
    """Store a per-date value, forgetting the oldest date when the cache is full."""
    if len(cache) >= _DATES_KEPT:
        cache.pop(next(iter(cache), on), None)
    return cache.setdefault(on, value)


def _plain(value: Decimal | None) -> str:
    """A decimal without trailing zeros or exponent: 8.0000 -> 8, 885.700000 -> 885.7."""
    return "?" if value is None else format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Measure:
    """One tariff measure: a tax rate or a control, on a code, valid over a date range."""

    id: str
    code: str
    kind: str
    valid_from: date
    valid_to: date | None = None
    basis: str | None = None
    pct: Decimal | None = None
    amount: Decimal | None = None
    currency: str | None = None  # of the specific amount; None means the national currency
    per_unit: str | None = None
    agreement: str | None = None
    agency: str | None = None
    legal_basis: str = ""
    frac: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "frac", (self.pct or Decimal(0)) / _HUNDRED)

    def covers(self, on: date) -> bool:
        """True when the measure is in force on the date."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def describe(self) -> str:
        """The rate as a person reads it: 8%, 1500 KRW/KGM, 8% + 50 KRW/KGM, max(20%, 900 KRW/LTR)."""
        spec = f"{_plain(self.amount)} {self.currency or ''}/{self.per_unit}".replace(" /", "/")
        pct = f"{_plain(self.pct)}%"
        return {
            "ad_valorem": pct, "specific": spec, "compound": f"{pct} + {spec}",
            "mixed_max": f"max({pct}, {spec})", "mixed_min": f"min({pct}, {spec})",
        }.get(self.basis or "", self.kind)


@dataclass(frozen=True, slots=True)
class Resolved:
    """The general measures of one line on one date."""

    code: str
    duty: Measure | None
    excise: Measure | None
    vat: Measure | None
    controls: tuple[Measure, ...]
    plain: bool = field(init=False, repr=False, compare=False)  # ad valorem VAT and no excise

    def __post_init__(self) -> None:
        plain = self.excise is None and self.vat is not None and self.vat.basis == "ad_valorem"
        object.__setattr__(self, "plain", plain)


@dataclass(frozen=True, slots=True)
class Line:
    """A national tariff line with its candidate measures, most specific first."""

    code: str
    description: str
    unit: str | None
    candidates: dict[tuple[str, str | None], tuple[Measure, ...]]
    _at: dict[date, Resolved] = field(default_factory=dict, repr=False, compare=False)

    def measure(self, kind: str, on: date, agreement: str | None = None) -> Measure | None:
        """The measure of a kind (and agreement) in force on the date, if any."""
        for m in self.candidates.get((kind, agreement), ()):
            if m.covers(on):
                return m
        return None

    def at(self, on: date) -> Resolved:
        """Duty, excise, VAT and controls in force on the date; cached since a snapshot never changes."""
        hit = self._at.get(on)
        if hit is None:
            controls = tuple(
                m for kind in CONTROL_KINDS for m in self.candidates.get((kind, None), ()) if m.covers(on)
            )
            hit = _remember(self._at, on, Resolved(self.code, self.measure("duty", on), self.measure("excise", on),
                                                   self.measure("vat", on), controls))
        return hit


@dataclass(frozen=True, slots=True)
class Agreement:
    """A trade agreement: its partner countries and when it is in force."""

    code: str
    name: str
    partners: frozenset[str]
    valid_from: date
    valid_to: date | None = None

    def covers(self, on: date) -> bool:
        """True when the agreement is in force on the date."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def _prefixes(code: str) -> tuple[str, ...]:
    return tuple(code[:n] for n in (10, 8, 6, 4, 2) if n <= len(code))


@dataclass(frozen=True, slots=True)
class Schedule:
    """A national tariff schedule ready for lookups."""

    currency: str
    lines: dict[str, Line]
    by_prefix: dict[str, tuple[str, ...]]
    agreements: dict[str, Agreement]
    version: int | None = None
    # Declared code -> resolved line, per date: per-item work during computation is one lookup here.
    # Shared by copies made with dataclasses.replace (agreements do not enter it).
    _days: dict[date, dict[str, Resolved]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, *, currency: str, lines: Iterable[tuple[str, str, str | None]], measures: Iterable[Measure],
              agreements: Iterable[Agreement] = (), version: int | None = None) -> Schedule:
        """Index lines (code, description, unit) and measures by line; most specific measure first."""
        by_code: dict[str, list[Measure]] = {}
        for m in measures:
            by_code.setdefault(m.code, []).append(m)
        for found in by_code.values():
            found.sort(key=lambda m: m.valid_from, reverse=True)
        built: dict[str, Line] = {}
        by_prefix: dict[str, list[str]] = {}
        for code, description, unit in lines:
            candidates: dict[tuple[str, str | None], list[Measure]] = {}
            for prefix in _prefixes(code):
                for m in by_code.get(prefix, ()):
                    candidates.setdefault((m.kind, m.agreement), []).append(m)
            built[code] = Line(code, description, unit, {k: tuple(v) for k, v in candidates.items()})
            for n in (6, 8):
                if len(code) > n:
                    by_prefix.setdefault(code[:n], []).append(code)
        return cls(currency, built, {k: tuple(v) for k, v in by_prefix.items()},
                   {a.code: a for a in agreements}, version)

    def resolved(self, on: date) -> dict[str, Resolved]:
        """The codes already resolved on a date (filled by `resolve`)."""
        day = self._days.get(on)
        return day if day is not None else _remember(self._days, on, {})

    def resolve(self, code: str, on: date) -> Resolved | tuple[str, ...]:
        """What a declared code means on a date: its line's measures, or the candidate lines (none: unknown)."""
        line, candidates = self.find(code)
        if line is None:
            return candidates
        hit = line.at(on)
        self.resolved(on)[code] = hit
        return hit

    def find(self, code: str) -> tuple[Line | None, tuple[str, ...]]:
        """The line a declared code designates, or None with the candidate lines (none: unknown)."""
        line = self.lines.get(code)
        if line is not None:
            return line, ()
        candidates = self.by_prefix.get(code, ())
        if len(candidates) == 1:
            return self.lines[candidates[0]], ()
        return None, candidates


@dataclass(frozen=True, slots=True)
class RateTable:
    """Customs exchange rates: national units per one foreign unit, each valid over a date range."""

    national: str
    rates: dict[str, tuple[tuple[date, date | None, Decimal], ...]]
    _cache: dict[tuple[str, date], Decimal | None] = field(default_factory=dict, repr=False, compare=False)

    def rate(self, currency: str, on: date) -> Decimal | None:
        """The rate valid on the date, or None when the table has a gap there (never zero)."""
        if currency == self.national:
            return Decimal(1)
        key = (currency, on)
        if key in self._cache:
            return self._cache[key]
        found = None
        for valid_from, valid_to, value in self.rates.get(currency, ()):
            if valid_from <= on and (valid_to is None or on <= valid_to):
                found = value
        self._cache[key] = found
        return found
