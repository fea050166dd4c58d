"""Test-run a rule version against history before putting it in force.

Replays the stored declarations of a window, oldest first, through the same facts and evaluation
as live decisions (traders count as first seen relative to the window's earlier declarations and
everything before it), and reports how many it would have hit and, where the controls domain
provides outcomes, its hit rate among inspected declarations and the revenue those controls found.
Reference unit values are today's, so a test-run over old history slightly flatters unit-value rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from clearway.risk.engine import stored
from clearway.risk.engine.live import knowledge_load
from clearway.risk.engine.outcomes import outcomes_for
from clearway.risk.models import RiskRuleVersion
from clearway.risk.rules.facts import declaration_facts, party_ids
from clearway.risk.rules.ruleset import LiveRule, RuleSet, live_rule

DEFAULT_DAYS = 90
SAMPLE = 20


@dataclass(frozen=True)
class TestRun:
    """The figures of a test-run."""

    rule_id: int
    version: int
    window_from: date
    window_to: date
    evaluated: int
    truncated: bool
    hits: int
    hit_share: float
    errors: int
    outcomes_available: bool
    inspected_hits: int
    found: int
    hit_rate: float | None
    baseline_hit_rate: float | None
    revenue_found: str
    sample: list[str]


def _window(date_from: date | None, date_to: date | None, now: datetime) -> tuple[date, date]:
    end = date_to or now.date()
    return (date_from or end - timedelta(days=DEFAULT_DAYS)), end


def _replay(db: Session, rule: LiveRule, start: datetime, end: datetime,
            limit: int) -> tuple[list[int], list[int], int, list[str]]:
    """Ids of the declarations hit and of all those evaluated, how many evaluation errors, and the MRNs of
    the first SAMPLE hits."""
    rules = RuleSet([rule])
    knowledge = knowledge_load(db, rules.fields, before=start)
    traders = knowledge.traders
    hit_ids: list[int] = []
    evaluated: list[int] = []
    sample: list[str] = []
    errors = 0
    for row in stored.declarations_between(db=db, start=start, end=end, limit=limit):
        evaluated.append(row.id)
        facts = declaration_facts(row.document, row.total_value, declarant=row.declarant, lodged_at=row.lodged_at,
                                  knowledge=knowledge)
        hits, failed = rules.evaluate(facts, row.office, row.type, row.lodged_at.date())
        errors += len(failed)
        if hits:
            hit_ids.append(row.id)
            if len(sample) < SAMPLE:
                sample.append(row.mrn)
        if traders is not None:
            traders.remember(party_ids(row.document))
    return hit_ids, evaluated, errors, sample


def rule_test_run(*, db: Session, version: RiskRuleVersion, name: str, date_from: date | None,
                  date_to: date | None, limit: int, now: datetime) -> TestRun:
    """Replay one rule version over the stored declarations of a window."""
    first, last = _window(date_from, date_to, now)
    start = datetime.combine(first, time.min, UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, UTC)
    hit_ids, evaluated, errors, sample = _replay(db, live_rule(version, name), start, end, limit)
    outcomes = outcomes_for(db=db, declaration_ids=evaluated)
    inspected_hits = found = 0
    revenue, baseline = Decimal(0), None
    if outcomes is not None:
        for declaration_id in hit_ids:
            outcome = outcomes.get(declaration_id)
            if outcome is not None:
                inspected_hits += 1
                found += outcome.hit
                revenue += outcome.revenue if outcome.hit else 0
        baseline = sum(o.hit for o in outcomes.values()) / len(outcomes) if outcomes else None
    return TestRun(
        rule_id=version.rule_id, version=version.version, window_from=first, window_to=last,
        evaluated=len(evaluated), truncated=len(evaluated) >= limit, hits=len(hit_ids),
        hit_share=len(hit_ids) / len(evaluated) if evaluated else 0.0,
        errors=errors, outcomes_available=outcomes is not None, inspected_hits=inspected_hits, found=found,
        hit_rate=found / inspected_hits if inspected_hits else None, baseline_hit_rate=baseline,
        revenue_found=format(revenue.normalize(), "f") if revenue else "0", sample=sample)
