"""API shapes of the tariff domain: amounts are Decimal strings with an ISO 4217 currency."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from clearway.tariff.compute import Assessment
from clearway.tariff.messages import message
from clearway.tariff.snapshot import Line


class TaxLineRead(BaseModel):
    """One tax on one item and its legal basis."""

    item: int = Field(description="Index of the item in the declaration (pointer /items/{item})")
    line: str = Field(description="National tariff line applied")
    tax: str = Field(description="duty, excise or vat")
    base: str = Field(description="Taxable value in the national currency")
    quantity: str | None = Field(None, description="Quantity in the measure's unit, for specific rates")
    rate: str
    amount: str
    measure_id: str = Field(description="The tariff measure that is the legal basis of this line")
    preference: str | None = Field(None, description="Trade agreement whose preferential rate applied")
    relief: str | None = Field(None, description="de_minimis when the tax is waived")


class ItemValueRead(BaseModel):
    """An item's customs value in the national currency."""

    item: int
    line: str
    customs_value: str


class ControlRead(BaseModel):
    """A prohibition, or a restriction needing a permit from an agency."""

    item: int
    kind: str
    agency: str | None
    measure_id: str


class NoticeRead(BaseModel):
    """Something the trader should know, e.g. why a claimed preference was not applied."""

    code: str
    pointer: str
    message: str


class AssessmentRead(BaseModel):
    """The duties of a declaration, item by item and tax by tax."""

    on: date = Field(description="Acceptance date the computation used")
    currency: str = Field(description="ISO 4217 code of every amount")
    declaration_currency: str
    exchange_rate: str = Field(description="National currency units per unit of the declaration currency")
    customs_value: str
    totals: dict[str, str] = Field(description="Total per tax")
    total: str
    de_minimis: bool
    schedule_version: int | None
    items: list[ItemValueRead]
    lines: list[TaxLineRead]
    controls: list[ControlRead]
    notices: list[NoticeRead]


class LineRead(BaseModel):
    """A national tariff line and the rates in force on a date."""

    code: str
    description: str
    supplementary_unit: str | None
    duty: str | None
    excise: str | None
    vat: str | None
    preferences: dict[str, str] = Field(description="Agreement code -> preferential duty rate")
    controls: list[str] = Field(description="Prohibitions, and agencies whose permit is needed")


def assessment_read(result: Assessment, locale: str) -> AssessmentRead:
    """The API view of a computed assessment."""
    return AssessmentRead(
        on=result.on, currency=result.currency, declaration_currency=result.declaration_currency,
        exchange_rate=str(result.exchange_rate), customs_value=str(result.customs_value),
        totals={k: str(v) for k, v in result.totals.items()}, total=str(result.total),
        de_minimis=result.de_minimis, schedule_version=result.schedule_version,
        items=[ItemValueRead(item=v.item, line=v.line, customs_value=str(v.customs_value)) for v in result.items],
        lines=[TaxLineRead(item=t.item, line=result.items[t.item].line, tax=t.tax, base=str(t.base),
                           quantity=None if t.quantity is None else str(t.quantity), rate=t.rate,
                           amount=str(t.amount), measure_id=t.measure_id, preference=t.preference,
                           relief=t.relief) for t in result.lines],
        controls=[ControlRead(item=c.item, kind=c.measure.kind, agency=c.measure.agency, measure_id=c.measure.id)
                  for c in result.controls],
        notices=[NoticeRead(code=n.code, pointer=n.pointer, message=message(n.code, locale, **n.params))
                 for n in result.notices],
    )


def line_read(line: Line, on: date) -> LineRead:
    """The API view of a national line on a date."""
    resolved = line.at(on)
    preferences = {}
    for kind, agreement in line.candidates:
        measure = line.measure(kind, on, agreement) if kind == "duty" and agreement else None
        if measure is not None and agreement:
            preferences[agreement] = measure.describe()
    return LineRead(
        code=line.code, description=line.description, supplementary_unit=line.unit,
        duty=resolved.duty.describe() if resolved.duty else None,
        excise=resolved.excise.describe() if resolved.excise else None,
        vat=resolved.vat.describe() if resolved.vat else None, preferences=preferences,
        controls=[f"{m.kind}:{m.agency}" if m.agency else m.kind for m in resolved.controls],
    )
