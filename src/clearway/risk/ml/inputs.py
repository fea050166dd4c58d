"""The model's input: one builder turns a declaration, with its bill, into the rows the model reads.

Live scoring (the bill just computed while lodging), batch scoring, thresholds, test-runs and
retraining (the stored assessment) all call `model_records`, so a declaration is the same row to
the model whether it is being scored or learnt from. The columns are the canonical ones of
`risk.mappings`: `value` is the item's customs value in the national currency and `duty_rate` the
duty charged on it in percent, both from the tariff's assessment. Without an assessment (exports,
no schedule yet) the declared value is converted at the day's rate and the duty rate is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.tariff.cache import tariff_state
from clearway.tariff.models import AssessmentLineRecord, AssessmentRecord


@dataclass(frozen=True, slots=True)
class Valuation:
    """Per item (0-based): customs value in the national currency and duty rate in percent, from a bill."""

    values: Mapping[int, float]
    duty_rates: Mapping[int, float]

    @classmethod
    def of_duty_lines(cls, lines: Iterable[tuple[int, Decimal, Decimal]]) -> Valuation:
        """From the (item, base, amount) of each duty line: its base is the customs value."""
        values: dict[int, float] = {}
        rates: dict[int, float] = {}
        for item, base, amount in lines:
            values[item] = float(base)
            rates[item] = float(amount / base * 100) if base else 0.0
        return cls(values, rates)


def valuation_of_bill(bill: Any) -> Valuation | None:
    """The valuation of a bill just computed while lodging (`tariff.lodging.Bill`), if it was assessed."""
    result = getattr(bill, "result", None)
    if result is None:
        return None
    return Valuation.of_duty_lines((t.item, t.base, t.amount) for t in result.lines if t.tax == "duty")


def valuations_stored(*, db: Session, declaration_ids: Iterable[int]) -> dict[int, Valuation]:
    """The valuation of each stored declaration's current assessment (declarations without one are left out)."""
    ids = list(declaration_ids)
    found: dict[int, list[tuple[int, Decimal, Decimal]]] = {}
    for chunk in (ids[i:i + 1000] for i in range(0, len(ids), 1000)):
        rows = db.execute(
            select(AssessmentRecord.declaration_id, AssessmentLineRecord.item_index, AssessmentLineRecord.base,
                   AssessmentLineRecord.amount)
            .join(AssessmentLineRecord, AssessmentLineRecord.assessment_id == AssessmentRecord.id)
            .where(AssessmentRecord.declaration_id.in_(chunk), AssessmentRecord.superseded.is_(False),
                   AssessmentLineRecord.tax == "duty"))
        for declaration_id, item, base, amount in rows:
            found.setdefault(declaration_id, []).append((item, base, amount))
    return {key: Valuation.of_duty_lines(lines) for key, lines in found.items()}


def national_rate(db: Session | None, currency: str | None, on: datetime) -> float | None:
    """The day's rate of the declaration's currency into the national currency (1 for the national one)."""
    if db is None or not currency:
        return None
    state = tariff_state(db=db)
    if currency == state.national:
        return 1.0
    rate = state.rate(db, currency, on.date())
    return float(rate) if rate is not None else None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def model_records(document: Mapping[str, Any], *, reference: str, declarant: str, lodged_at: datetime,
                  valuation: Valuation | None, rate: float | None) -> list[dict[str, Any]]:
    """One canonical record per goods item, as the model reads declarations (see `risk.mappings`).

    `valuation` comes from the assessment; without one, `rate` converts the declared value.
    """
    transport = document.get("transport") or {}
    seller = document.get("seller") or document.get("exporter") or {}
    importer = document.get("importer") or document.get("declarant") or {}
    common = {
        "declaration_id": reference, "lodged_at": lodged_at, "office": document.get("office"),
        "declarant_id": declarant, "importer_id": importer.get("id") or importer.get("name") or declarant,
        "seller_id": seller.get("id") or seller.get("name"), "seller_country": seller.get("country"),
        "departure_country": transport.get("departure_country"), "transport_mode": transport.get("mode"),
        "procedure": document.get("type"),
    }
    records = []
    for index, item in enumerate(document.get("items") or []):
        declared = _number(item.get("value"))
        value: float | None
        duty_rate: float | None
        if valuation is not None and index in valuation.values:
            value, duty_rate = valuation.values[index], valuation.duty_rates.get(index)
        else:  # not assessed: the declared value at the day's rate, if there is one; the duty rate is unknown
            value = declared * rate if declared is not None and rate is not None else declared
            duty_rate = None
        records.append({**common, "item_no": index + 1, "hs_code": item.get("hs_code"),
                        "origin_country": item.get("origin_country"), "net_mass_kg": _number(item.get("net_mass_kg")),
                        "value": value, "duty_rate": duty_rate, "duty_type": item.get("preference") or "",
                        "origin_indicator": "Y" if item.get("origin_proof") else ""})
    return records
