"""The rule-writing exercise: the trainee writes a selectivity rule in the risk engine's own language, and it is
test-run on the exercise's day of training declarations, scored against their ground truth.

The rule is compiled and evaluated by the risk domain's code (the same checks, the same facts), but over the
training world's cases only: nothing is saved as a risk rule and nothing reaches the live engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from statistics import median
from typing import Any

from clearway.risk.rules.compile import Compiled, RuleTooCostly, matches
from clearway.risk.rules.facts import Knowledge, decimal_or_none, declaration_facts
from clearway.risk.rules.ruleset import rule_check
from clearway.training.models import TrainingCase


def rule_compile(expression: str) -> Compiled:
    """The compiled rule, or the risk engine's own 422 naming the error and where it is."""
    return rule_check(expression)


def references_of(documents: Iterable[dict[str, Any]]) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """Median declared value per kilogram by (HS6, origin) and by HS6 from anywhere, over compliant documents:
    what the engine's reference prices would be in this training world."""
    values: dict[tuple[str, str], list[Decimal]] = {}
    for document in documents:
        for line in document.get("items", []):
            value, mass = decimal_or_none(line.get("value")), decimal_or_none(line.get("net_mass_kg"))
            if value is None or not mass:
                continue
            code = str(line.get("hs_code", ""))[:6]
            for key in ((code, str(line.get("origin_country", ""))), (code, "")):
                values.setdefault(key, []).append(value / mass)
    return {key: (Decimal(median(found)), len(found)) for key, found in values.items()}


def rule_hits(compiled: Compiled, case: TrainingCase, knowledge: Knowledge | None = None) -> bool:
    """Whether the rule selects the case (an arithmetic error counts as no selection, as in the engine)."""
    document = case.document
    total = decimal_or_none(document.get("invoice_total")) or Decimal(0)
    facts = declaration_facts(document, total, declarant=case.declarant, lodged_at=case.lodged_at,
                              knowledge=knowledge or Knowledge())
    try:
        return matches(compiled, facts) is not None
    except (ArithmeticError, RuleTooCostly, TypeError):
        return False
