"""The pure duty computation: a declaration, a schedule snapshot and rates in, an assessment out.

No database, no clock, no float. Rules (valuation basis, rounding, tax bases, de minimis) are
stated once in `rules`; this module applies them. Anything that would otherwise give a silent
zero (unknown line, missing measure, rate gap, quantity in the wrong unit) is a coded problem
with a JSON pointer, and all of a declaration's problems are raised together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import NamedTuple, Protocol

from clearway.errors import Problem
from clearway.tariff import rules
from clearway.tariff.errors import DutyNotComputable, problem
from clearway.tariff.snapshot import Measure, RateTable, Resolved, Schedule
from clearway.tariff.valuation import ValuedDocument, valuation

_ZERO = Decimal(0)
_ROUNDING = rules.ROUNDING
_new = tuple.__new__


class QuantityLike(Protocol):
    """A supplementary quantity: a decimal string and its UN/ECE Recommendation 20 unit."""

    @property
    def value(self) -> str: ...
    @property
    def unit(self) -> str: ...


class ItemLike(Protocol):
    """What the computation reads from a goods item (declarations.schemas.Item satisfies it)."""

    @property
    def hs_code(self) -> str: ...
    @property
    def origin_country(self) -> str: ...
    @property
    def net_mass_kg(self) -> str: ...
    @property
    def quantity(self) -> QuantityLike: ...
    @property
    def value(self) -> str: ...
    @property
    def preference(self) -> str | None: ...
    @property
    def origin_proof(self) -> str | None: ...


class DocumentLike(ValuedDocument, Protocol):
    """What the computation reads from a declaration (DeclarationCreate satisfies it)."""

    @property
    def items(self) -> Sequence[ItemLike]: ...


class TaxLine(NamedTuple):
    """One tax on one item: its base, amount, and the measure that is its legal basis."""

    item: int
    tax: str
    base: Decimal
    amount: Decimal
    measure: Measure
    quantity: Decimal | None = None
    relief: str | None = None

    @property
    def measure_id(self) -> str:
        """The legal basis: id of the measure applied."""
        return self.measure.id

    @property
    def rate(self) -> str:
        """The applied rate as text."""
        return self.measure.describe()

    @property
    def preference(self) -> str | None:
        """The trade agreement whose preferential rate was applied, if any."""
        return self.measure.agreement


class ItemValue(NamedTuple):
    """An item's national line and customs value in the national currency."""

    item: int
    line: str
    customs_value: Decimal


@dataclass(frozen=True, slots=True)
class Control:
    """A prohibition or a permit requirement (agency) that applies to an item."""

    item: int
    measure: Measure


@dataclass(frozen=True, slots=True)
class Assessment:
    """The duties of a whole declaration, per item and tax, in the national currency."""

    on: date
    currency: str
    declaration_currency: str
    exchange_rate: Decimal
    items: tuple[ItemValue, ...]
    lines: tuple[TaxLine, ...]
    totals: dict[str, Decimal]
    total: Decimal
    customs_value: Decimal
    de_minimis: bool
    notices: tuple[Problem, ...]
    controls: tuple[Control, ...]
    schedule_version: int | None


def compute_duties(*, document: DocumentLike, schedule: Schedule, rates: RateTable, on: date) -> Assessment:
    """Compute every tax of every item of a declaration on a date, or raise DutyNotComputable."""
    if rates.national != schedule.currency:
        raise ValueError(f"rates are in {rates.national}, the schedule in {schedule.currency}")
    with localcontext(rules.CONTEXT):
        return _compute(document, schedule, rates, on)


def _compute(document: DocumentLike, schedule: Schedule, rates: RateTable, on: date) -> Assessment:
    problems: list[Problem] = []
    notices: list[Problem] = []
    items = document.items
    values = [Decimal(item.value) for item in items]
    val = valuation(document=document, items_total=sum(values, _ZERO), rates=rates, on=on, problems=problems)
    quantum = rules.money_quantum(schedule.currency)
    multiplier = _ZERO if val is None else val.multiplier  # without a valuation we only collect problems
    cvs = [(v * multiplier).quantize(quantum, _ROUNDING) for v in values]
    customs_value = sum(cvs, _ZERO)
    threshold = rules.DE_MINIMIS.get(schedule.currency)
    waived = rules.DE_MINIMIS_COVERS if threshold is not None and customs_value < threshold else frozenset()
    taxer = _Taxer(schedule, rates, on, quantum, waived, problems, notices)
    item_values, lines, controls = taxer.items(items, cvs)
    if problems or val is None:
        raise DutyNotComputable(problems)
    totals = taxer.totals
    return Assessment(on, schedule.currency, document.currency, val.rate, item_values, lines, totals,
                      sum(totals.values(), _ZERO), customs_value, bool(waived), tuple(notices), controls,
                      schedule.version)


class _Taxer:
    """Applies measures to one item after another; holds what stays the same for a declaration."""

    __slots__ = ("notices", "on", "problems", "quantum", "rates", "schedule", "totals", "waived")

    def __init__(self, schedule: Schedule, rates: RateTable, on: date, quantum: Decimal, waived: frozenset[str],
                 problems: list[Problem], notices: list[Problem]):
        self.schedule, self.rates, self.on, self.quantum = schedule, rates, on, quantum
        self.waived, self.problems, self.notices = waived, problems, notices
        self.totals = dict.fromkeys(rules.TAXES, _ZERO)  # kept while lines are made: a total is their sum

    def items(self, items: Sequence[ItemLike], cvs: Sequence[Decimal],
              ) -> tuple[tuple[ItemValue, ...], tuple[TaxLine, ...], tuple[Control, ...]]:
        """Item values, tax lines and controls of every item; problems are collected, not raised."""
        day = self.schedule.resolved(self.on)
        quantum, fast = self.quantum, not self.waived
        duty_total = vat_total = _ZERO  # the hot path's share of the totals
        lines: list[TaxLine] = []
        controls: list[Control] = []
        item_values: list[ItemValue] = []
        for i, item in enumerate(items):
            resolved = day.get(item.hs_code) or self.resolve(i, item)
            if resolved is None:
                continue
            duty = self.preference(i, item, resolved) if item.preference else resolved.duty
            vat = resolved.vat
            if duty is None or vat is None:
                self.missing(i, resolved, duty)
                continue
            cv = cvs[i]
            item_values.append(_new(ItemValue, (i, resolved.code, cv)))
            # The common case inlined (ad valorem duty and VAT, no excise, no relief): this loop is the
            # hot path of the benchmark; tuple.__new__ skips the NamedTuple constructor's extra call.
            if fast and duty.basis == "ad_valorem" and resolved.plain:
                amount = (cv * duty.frac).quantize(quantum, _ROUNDING)
                base = cv + amount
                vat_amount = (base * vat.frac).quantize(quantum, _ROUNDING)
                duty_total += amount
                vat_total += vat_amount
                lines.append(_new(TaxLine, (i, "duty", cv, amount, duty, None, None)))
                lines.append(_new(TaxLine, (i, "vat", base, vat_amount, vat, None, None)))
            else:
                base = cv + self.line(i, item, "duty", cv, duty, lines)
                if resolved.excise is not None:
                    base += self.line(i, item, "excise", base, resolved.excise, lines)
                self.line(i, item, "vat", base, vat, lines)
            if resolved.controls:
                controls.extend(Control(i, m) for m in resolved.controls)
        self.totals["duty"] += duty_total
        self.totals["vat"] += vat_total
        return tuple(item_values), tuple(lines), tuple(controls)

    def resolve(self, i: int, item: ItemLike) -> Resolved | None:
        """The line a code not seen yet on this date designates, or a problem saying why there is none."""
        found = self.schedule.resolve(item.hs_code, self.on)
        if isinstance(found, Resolved):
            return found
        code = "line_ambiguous" if found else "line_unknown"
        self.problems.append(problem(code, f"/items/{i}/hs_code", hs_code=item.hs_code, candidates=", ".join(found)))
        return None

    def missing(self, i: int, resolved: Resolved, duty: Measure | None) -> None:
        """Report the duty or VAT measure a line lacks on the date."""
        for kind, m in (("duty", duty), ("vat", resolved.vat)):
            if m is None:
                self.problems.append(problem("measure_missing", f"/items/{i}/hs_code", line=resolved.code,
                                             measure=kind, on=self.on.isoformat()))

    def preference(self, i: int, item: ItemLike, resolved: Resolved) -> Measure | None:
        """The preferential duty measure when the claim holds; otherwise a notice and the general one."""
        agreement = self.schedule.agreements.get(item.preference or "")
        if agreement is None or not agreement.covers(self.on):
            reason, field = "preference_unknown", "preference"
        elif not item.origin_proof:
            reason, field = "preference_no_proof", "origin_proof"
        elif item.origin_country not in agreement.partners:
            reason, field = "preference_not_partner", "origin_country"
        else:
            measure = self.schedule.lines[resolved.code].measure("duty", self.on, agreement.code)
            if measure is not None:
                return measure
            reason, field = "preference_no_rate", "preference"
        self.notices.append(problem(reason, f"/items/{i}/{field}", agreement=item.preference, line=resolved.code,
                                    origin=item.origin_country))
        return resolved.duty

    def line(self, i: int, item: ItemLike, tax: str, base: Decimal, m: Measure, out: list[TaxLine]) -> Decimal:
        """Append one tax line, rounded once (zero with its relief when de minimis waives it); its amount."""
        quantity = None if m.basis == "ad_valorem" else self.quantity(i, item, m)
        if tax in self.waived:
            out.append(TaxLine(i, tax, base, _ZERO, m, quantity, "de_minimis"))
            return _ZERO
        raw = base * m.frac if quantity is None else self.specific(i, m, base, quantity)
        amount = raw.quantize(self.quantum, _ROUNDING)
        self.totals[tax] += amount
        out.append(TaxLine(i, tax, base, amount, m, quantity, None))
        return amount

    def specific(self, i: int, m: Measure, base: Decimal, quantity: Decimal) -> Decimal:
        """The amount of a measure with a specific part, in the national currency, unrounded."""
        rate = self.rates.rate(m.currency, self.on) if m.currency else Decimal(1)
        if rate is None:
            self.problems.append(problem("rate_missing", f"/items/{i}/hs_code", currency=m.currency,
                                         on=self.on.isoformat(), measure=m.id))
            return _ZERO
        specific = quantity * (m.amount or _ZERO) * rate
        if m.basis == "specific":
            return specific
        ad_valorem = base * m.frac
        if m.basis == "compound":
            return ad_valorem + specific
        return max(ad_valorem, specific) if m.basis == "mixed_max" else min(ad_valorem, specific)

    def quantity(self, i: int, item: ItemLike, m: Measure) -> Decimal:
        """The item's quantity in the measure's unit (net mass for mass units)."""
        dimension, per = rules.UNIT_FACTORS.get(m.per_unit or "", (m.per_unit, Decimal(1)))
        if dimension == "KGM":
            return Decimal(item.net_mass_kg) / per
        declared = rules.UNIT_FACTORS.get(item.quantity.unit, (item.quantity.unit, Decimal(1)))
        if declared[0] != dimension:
            self.problems.append(problem("quantity_unit_mismatch", f"/items/{i}/quantity/unit",
                                         expected=m.per_unit, given=item.quantity.unit, measure=m.id))
            return _ZERO
        return Decimal(item.quantity.value) * declared[1] / per
