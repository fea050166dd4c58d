"""The supplementary bill of a control's findings: duties re-assessed on the corrected goods, plus the penalty.

A finding that corrects an item (value, code, origin, quantity) changes what the declaration owes.
The corrected document is assessed with the national tariff on the day of the assessment in force,
so amounts are in the assessment's currency at the assessment's exchange rate, and every tax the
tariff charges (duty, excise, VAT where due) follows the correction. The new assessment supersedes
the old one like an amendment's: what was paid still counts, and `tariff.holds` holds the goods
until the difference and the penalty are paid or secured (there is no second release rule).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationCreate
from clearway.errors import DeclarationInvalid
from clearway.problems import from_pydantic
from clearway.tariff import payments, rules
from clearway.tariff.lodging import bill_assess, line_rows
from clearway.tariff.models import AssessmentLineRecord, AssessmentRecord
from clearway.tariff.revenue import revenue_book_supplement

METHOD = "tariff-reassessment-v1"
PENALTY_TAXES = ("duty", "excise")  # the penalty is on the duty short-declared, not on VAT
_ZERO = Decimal(0)
MASS_QUANTUM = Decimal("0.001")  # a gram: the schema allows six decimals, a pro rata mass needs no more


@dataclass(frozen=True)
class Supplement:
    """What the findings add to the bill, in the assessment's currency, and the assessment that bills it."""

    currency: str
    declared: Decimal  # the total of the assessment the findings corrected (earlier penalties included)
    corrected: Decimal  # the corrected goods' total, before the penalty
    difference: Decimal
    penalty: Decimal
    total: Decimal  # difference + penalty: what the trader owes on top of the declared bill
    per_tax: dict[str, Decimal]
    record: AssessmentRecord
    method: str = METHOD
    basis: list[dict[str, Any]] = field(default_factory=list)


def _decimal(text: Any) -> Decimal:
    return Decimal(str(text))


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def corrected_document(document: Mapping[str, Any], corrections: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """The declaration document with the findings' corrections applied item by item.

    A corrected quantity without a corrected value values (and weighs) the goods pro rata, as the
    declared unit price and unit mass stand until shown otherwise.
    """
    doc = copy.deepcopy(dict(document))
    for index, corrected in corrections.items():
        if not 0 <= index < len(doc["items"]):
            continue
        item = doc["items"][index]
        if "quantity" in corrected:
            declared = _decimal(item.get("quantity", {}).get("value", "0"))
            counted = _decimal(corrected["quantity"])
            if declared > 0 and "value" not in corrected:
                value = _decimal(item["value"]) * counted / declared
                item["value"] = _text(rules.round_money(value, rules.money_quantum(str(doc["currency"]))))
                if item.get("net_mass_kg"):
                    mass = _decimal(item["net_mass_kg"]) * counted / declared
                    item["net_mass_kg"] = _text(rules.round_money(mass, MASS_QUANTUM))
            item["quantity"] = {**item.get("quantity", {}), "value": _text(counted)}
        for key in ("value", "hs_code", "origin_country"):
            if key in corrected:
                item[key] = str(corrected[key])
    doc["invoice_total"] = _text(sum((_decimal(i["value"]) for i in doc["items"]), _ZERO))
    return doc


def _per_tax(pairs: Any) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for tax, amount in pairs:
        totals[tax] = totals.get(tax, _ZERO) + Decimal(amount)
    return totals


def supplement_applies(*, db: Session, declaration_id: int) -> bool:
    """True when the declaration has an assessment in force, so that findings are billed by the tariff."""
    return payments.assessment_current(db=db, declaration_id=declaration_id) is not None


def supplement_raise(*, db: Session, declaration: Declaration, corrections: Mapping[int, Mapping[str, Any]],
                     penalty_rate: Decimal, reason: str, now: datetime) -> Supplement | None:
    """Bill the findings' corrections: a new assessment in the assessment's currency, or None when there is
    no assessment to supplement or the corrections change nothing. DeclarationInvalid when the corrected goods
    cannot be assessed (a corrected code the tariff does not know, say)."""
    current = payments.assessment_current(db=db, declaration_id=declaration.id)
    if current is None or not corrections:
        return None
    try:
        document = DeclarationCreate.model_validate(corrected_document(declaration.document, corrections))
    except ValidationError as exc:  # a correction the declaration's schema refuses: said where, never a 500
        raise DeclarationInvalid(from_pydantic([dict(e) for e in exc.errors()])) from None
    # The day of the assessment in force: its schedule and, above all, its exchange rate.
    bill = bill_assess(db=db, document=document, declarant=declaration.declarant_id, on=current.assessed_on)
    if bill.result is None:
        return None
    result = bill.result
    quantum = rules.money_quantum(result.currency)
    rows = line_rows(result, None)
    # Penalties of earlier controls stay owed; the taxes are compared with what the goods were assessed at.
    penalties = [line for line in current.lines if line.tax == "penalty"]
    before = _per_tax((line.tax, line.amount) for line in current.lines if line.tax != "penalty")
    after = _per_tax((row["tax"], row["amount"]) for row in rows)
    per_tax = {tax: after.get(tax, _ZERO) - before.get(tax, _ZERO) for tax in sorted(set(before) | set(after))}
    short = sum((per_tax.get(tax, _ZERO) for tax in PENALTY_TAXES), _ZERO)
    penalty = rules.round_money(short * penalty_rate, quantum) if short > 0 else _ZERO
    earlier = sum((line.amount for line in penalties), _ZERO)
    difference = result.total - (current.total - earlier)
    if difference == 0 and penalty == 0:
        return None
    current.superseded = True
    lines = [AssessmentLineRecord(**{k: v for k, v in row.items() if k != "assessment_id"}) for row in rows]
    lines += [AssessmentLineRecord(item_index=p.item_index, line_code=p.line_code, tax=p.tax, base=p.base,
                                   quantity=p.quantity, rate=p.rate, amount=p.amount, measure_ref=p.measure_ref,
                                   preference=p.preference, relief=p.relief) for p in penalties]
    if penalty:
        lines.append(AssessmentLineRecord(item_index=-1, line_code="", tax="penalty", base=short, quantity=None,
                                          rate=f"{_text(penalty_rate * 100)} %", amount=penalty,
                                          measure_ref="penalty.short_declared", preference=None, relief=None))
    record = AssessmentRecord(declaration_id=declaration.id, declaration_version=declaration.version,
                              office=declaration.office, schedule_version_id=result.schedule_version,
                              assessed_on=current.assessed_on, currency=result.currency,
                              customs_value=result.customs_value, total=result.total + earlier + penalty, final=True,
                              superseded=False, payment_reference=None, created_at=now, lines=lines)
    db.add(record)
    db.flush()
    record.payment_reference = payments.payment_reference(record.id)  # a new bill, a new reference
    revenue_book_supplement(db=db, record=record, reason=reason, now=now)
    db.flush()
    basis = [{"tax": tax, "declared": str(before.get(tax, _ZERO)), "corrected": str(after.get(tax, _ZERO)),
              "difference": str(amount)} for tax, amount in per_tax.items()]
    if penalty:
        basis.append({"tax": "penalty", "base": str(short), "rate": str(penalty_rate), "amount": str(penalty)})
        per_tax["penalty"] = penalty
    return Supplement(result.currency, current.total, result.total, difference, penalty, difference + penalty,
                      per_tax, record, basis=basis)
