"""Selectivity rules: create, edit (a new version each time), activate; and the active set in memory."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.errors import Conflict, NotFound, PreconditionFailed, Problem, ValidationFailed
from clearway.reference import service as reference
from clearway.risk.api.schemas import RuleDraft
from clearway.risk.engine.changes import change_record
from clearway.risk.models import RiskRule, RiskRuleVersion
from clearway.risk.rules.compile import Compiled, compile_rule, matches
from clearway.risk.rules.facts import EVIDENCE_KEY, ITEMS_KEY, NEIGHBOUR_FIELDS
from clearway.risk.rules.lang import RuleSyntaxError

log = logging.getLogger("clearway.risk")
SEVERITY = {"green": 0, "blue": 1, "yellow": 2, "red": 3}
# Evaluation errors (division by zero, overflow) per (rule id, version), counted by this process.
evaluation_errors: Counter[tuple[int, int]] = Counter()


def rule_problem(exc: RuleSyntaxError, pointer: str = "/expression") -> Problem:
    """The problem an unusable expression becomes: its code, and where (line, column, token)."""
    return Problem(exc.code, pointer, {"line": exc.line, "column": exc.column, "token": exc.token, **exc.params})


def rule_check(expression: str) -> Compiled:
    """The compiled expression, or a 422 naming the error code and its position."""
    try:
        return compile_rule(expression)
    except RuleSyntaxError as exc:
        raise ValidationFailed([rule_problem(exc)]) from None


def _check_offices(draft: RuleDraft) -> None:
    known = reference.offices()
    problems = [Problem("office.unknown", f"/offices/{i}", {"value": code})
                for i, code in enumerate(draft.offices) if code not in known]
    if problems:
        raise ValidationFailed(problems)


def _version_row(rule_id: int, version: int, draft: RuleDraft, actor: Principal, now: datetime) -> RiskRuleVersion:
    return RiskRuleVersion(
        rule_id=rule_id, version=version, expression=draft.expression, channel=draft.channel,
        offices=sorted(set(draft.offices)), directions=sorted(set(draft.directions)), valid_from=draft.valid_from,
        valid_to=draft.valid_to, priority=draft.priority, reason=draft.reason, created_by=actor.username,
        created_at=now)


def rule_create(*, db: Session, actor: Principal, draft: RuleDraft, now: datetime) -> RiskRule:
    """Store a new, inactive rule as its version 1; refuses an expression that does not check."""
    rule_check(draft.expression)
    _check_offices(draft)
    rule = RiskRule(name=draft.name, version=1, active_version=None, created_by=actor.username,
                    created_at=now, updated_at=now)
    db.add(rule)
    db.flush()
    db.add(_version_row(rule.id, 1, draft, actor, now))
    change_record(db=db, actor=actor, kind="rule.created", target_type="risk_rule", target_id=str(rule.id),
                  detail={"version": 1, "channel": draft.channel, "expression": draft.expression}, now=now)
    db.flush()
    return rule


def rule_get(*, db: Session, rule_id: int, for_update: bool = False) -> RiskRule:
    """A rule by id, or NotFound."""
    query = select(RiskRule).where(RiskRule.id == rule_id)
    rule = db.scalar(query.with_for_update() if for_update else query)
    if rule is None:
        raise NotFound([Problem("risk.rule_not_found", "", {"id": rule_id})])
    return rule


def rule_edit(*, db: Session, actor: Principal, rule: RiskRule, draft: RuleDraft, base_version: int,
              now: datetime) -> RiskRule:
    """Add a version to a rule; the version in force stays until the new one is activated."""
    if base_version != rule.version:
        raise PreconditionFailed([Problem("risk.rule_version_mismatch", "/base_version",
                                          {"expected": base_version, "current": rule.version})])
    rule_check(draft.expression)
    _check_offices(draft)
    rule.version += 1
    rule.name, rule.updated_at = draft.name, now
    db.add(_version_row(rule.id, rule.version, draft, actor, now))
    change_record(db=db, actor=actor, kind="rule.edited", target_type="risk_rule", target_id=str(rule.id),
                  detail={"version": rule.version, "channel": draft.channel, "expression": draft.expression}, now=now)
    db.flush()
    return rule


def rule_activate(*, db: Session, actor: Principal, rule: RiskRule, version: int | None, now: datetime) -> RiskRule:
    """Put a version of a rule in force (the latest by default)."""
    chosen = version or rule.version
    if chosen > rule.version:
        raise Conflict([Problem("risk.rule_version_unknown", "/version", {"version": chosen})])
    rule.active_version, rule.updated_at = chosen, now
    change_record(db=db, actor=actor, kind="rule.activated", target_type="risk_rule", target_id=str(rule.id),
                  detail={"version": chosen}, now=now)
    db.flush()
    return rule


def rule_deactivate(*, db: Session, actor: Principal, rule: RiskRule, now: datetime) -> RiskRule:
    """Take a rule out of force; its versions stay."""
    before, rule.active_version, rule.updated_at = rule.active_version, None, now
    change_record(db=db, actor=actor, kind="rule.deactivated", target_type="risk_rule", target_id=str(rule.id),
                  detail={"version": before}, now=now)
    db.flush()
    return rule


def rule_versions(*, db: Session, rule_id: int) -> list[RiskRuleVersion]:
    """Every version of a rule, newest first."""
    return list(db.scalars(select(RiskRuleVersion).where(RiskRuleVersion.rule_id == rule_id)
                           .order_by(RiskRuleVersion.version.desc())))


def rule_version(*, db: Session, rule: RiskRule, version: int | None) -> RiskRuleVersion:
    """One version of a rule (the latest by default), or NotFound."""
    found = db.scalar(select(RiskRuleVersion).where(RiskRuleVersion.rule_id == rule.id,
                                                    RiskRuleVersion.version == (version or rule.version)))
    if found is None:
        raise NotFound([Problem("risk.rule_version_unknown", "", {"version": version})])
    return found


def rules_list(*, db: Session) -> list[tuple[RiskRule, RiskRuleVersion]]:
    """Every rule with its latest version, newest first."""
    return [(r, v) for r, v in db.execute(
        select(RiskRule, RiskRuleVersion).join(RiskRuleVersion, (RiskRuleVersion.rule_id == RiskRule.id)
                                               & (RiskRuleVersion.version == RiskRule.version))
        .order_by(RiskRule.id.desc())).tuples()]


@dataclass(frozen=True)
class LiveRule:
    """An active rule version, compiled, with its scope."""

    rule_id: int
    version: int
    name: str
    channel: str
    priority: int
    reason: str
    offices: frozenset[str]
    directions: frozenset[str]
    valid_from: date | None
    valid_to: date | None
    compiled: Compiled

    def applies(self, office: str, direction: str, on: date) -> bool:
        """True when the rule is in scope for this office, direction and day."""
        return ((not self.offices or office in self.offices)
                and (not self.directions or direction in self.directions)
                and (self.valid_from is None or on >= self.valid_from)
                and (self.valid_to is None or on <= self.valid_to))


def live_rule(version: RiskRuleVersion, name: str) -> LiveRule:
    """Compile a stored version (it was checked when saved)."""
    return LiveRule(version.rule_id, version.version, name, version.channel, version.priority, version.reason,
                    frozenset(version.offices), frozenset(version.directions), version.valid_from, version.valid_to,
                    compile_rule(version.expression))


def rules_active(*, db: Session) -> list[LiveRule]:
    """Every rule version in force, compiled; one the running code no longer accepts is left out, logged."""
    in_force = (RiskRule.id == RiskRuleVersion.rule_id) & (RiskRule.active_version == RiskRuleVersion.version)
    live = []
    for version, name in db.execute(select(RiskRuleVersion, RiskRule.name).join(RiskRule, in_force)).tuples():
        try:
            live.append(live_rule(version, name))
        except RuleSyntaxError as exc:  # e.g. a field renamed since the rule was saved: never fail lodging
            log.error("risk rule %s v%s left out: %s", version.rule_id, version.version, exc)
    return live


class RuleSet:
    """The active rules, most severe and highest priority first."""

    def __init__(self, rules: Iterable[LiveRule]):
        self.rules = sorted(rules, key=lambda r: (-SEVERITY[r.channel], -r.priority, r.rule_id))
        self.fields = frozenset(f for r in self.rules for f in r.compiled.fields)

    def __len__(self) -> int:
        return len(self.rules)

    def evaluate(self, facts: dict[str, Any], office: str, direction: str,
                 on: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Hits and evaluation errors of every rule in scope; an error means no match, and is counted."""
        hits, errors = [], []
        for rule in self.rules:
            if not rule.applies(office, direction, on):
                continue
            try:
                items = matches(rule.compiled, facts)
            except (ArithmeticError, TypeError, ValueError) as exc:
                evaluation_errors[(rule.rule_id, rule.version)] += 1
                errors.append({"rule_id": rule.rule_id, "version": rule.version, "error": type(exc).__name__})
                continue
            if items is not None:
                hit = {"rule_id": rule.rule_id, "version": rule.version, "name": rule.name,
                       "channel": rule.channel, "priority": rule.priority, "items": items,
                       "text": rule.reason + (f" (items {', '.join(map(str, items))})" if items else "")}
                if rule.compiled.fields & NEIGHBOUR_FIELDS and items:
                    hit["evidence"] = _evidence(facts, items)  # officers see which neighbour and what it costs
                hits.append(hit)
        return hits, errors


def _evidence(facts: dict[str, Any], items: list[int]) -> list[dict[str, Any]]:
    """The localizable evidence (message code and parameters) the hit items carry, with their item numbers."""
    return [{"item": n, **found} for n in items for found in facts[ITEMS_KEY][n - 1].get(EVIDENCE_KEY, ())]
