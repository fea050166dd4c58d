"""Reading the risk configuration for the API and the pages: stored rows into their read shapes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.errors import NotFound, Problem
from clearway.risk.api.schemas import RuleRead, RuleVersionRead, TestRunJobRead, TestRunRead, WatchlistRead
from clearway.risk.api.schemas_models import ModelRead, SelectionRead
from clearway.risk.engine import stored
from clearway.risk.models import (
    RiskDecision,
    RiskModel,
    RiskRule,
    RiskRuleVersion,
    RiskTestRun,
    SelectionSetting,
    WatchlistEntry,
)
from clearway.risk.rules.ruleset import evaluation_errors
from clearway.risk.rules.testrun import TestRun


def version_read(version: RiskRuleVersion) -> RuleVersionRead:
    """The read shape of a rule version."""
    return RuleVersionRead(
        version=version.version, expression=version.expression, channel=version.channel,
        offices=list(version.offices), directions=list(version.directions), valid_from=version.valid_from,
        valid_to=version.valid_to, priority=version.priority, reason=version.reason, created_by=version.created_by,
        created_at=version.created_at)


def rule_read(rule: RiskRule, latest: RiskRuleVersion) -> RuleRead:
    """The read shape of a rule and its latest version."""
    errors = sum(n for (rule_id, _), n in evaluation_errors.items() if rule_id == rule.id)
    return RuleRead(id=rule.id, name=rule.name, version=rule.version, active_version=rule.active_version,
                    created_by=rule.created_by, created_at=rule.created_at, updated_at=rule.updated_at,
                    latest=version_read(latest), evaluation_errors=errors)


def watchlist_read(entry: WatchlistEntry) -> WatchlistRead:
    """The read shape of a watchlist entry."""
    return WatchlistRead.model_validate(entry, from_attributes=True)


def model_read(model: RiskModel) -> ModelRead:
    """The read shape of a registered model."""
    return ModelRead.model_validate(model, from_attributes=True)


def setting_read(setting: SelectionSetting) -> SelectionRead:
    """The read shape of a selection setting."""
    return SelectionRead.model_validate(setting, from_attributes=True)


def test_run_read(run: TestRun) -> TestRunRead:
    """The read shape of a test-run."""
    return TestRunRead(**asdict(run))


def test_run_get(*, db: Session, run_id: int) -> RiskTestRun:
    """A queued or finished test-run, else 404."""
    run = db.get(RiskTestRun, run_id)
    if run is None:
        raise NotFound([Problem("risk.test_run_not_found", "", {"id": run_id})])
    return run


def test_runs_of(*, db: Session, rule_id: int, limit: int = 10) -> list[RiskTestRun]:
    """A rule's most recent test-runs, newest first."""
    return list(db.scalars(select(RiskTestRun).where(RiskTestRun.rule_id == rule_id)
                           .order_by(RiskTestRun.id.desc()).limit(limit)))


def test_run_job_read(run: RiskTestRun) -> TestRunJobRead:
    """The read shape of a queued test-run, with its figures once done."""
    return TestRunJobRead(
        id=run.id, rule_id=run.rule_id, version=run.version, status=run.status,  # type: ignore[arg-type]
        requested_by=run.requested_by, requested_at=run.requested_at, date_from=run.date_from,
        date_to=run.date_to, row_limit=run.row_limit, evaluated=run.evaluated, started_at=run.started_at,
        finished_at=run.finished_at, error=run.error_code,
        result=TestRunRead.model_validate(run.result) if run.result else None)


def rule_hit_counts(*, db: Session, rule_id: int, since: object) -> dict[str, int]:
    """Stored decisions since a time, and how many of them this rule hit or failed on (any version)."""
    rows = db.execute(select(RiskDecision.rule_hits, RiskDecision.rule_errors)
                      .where(RiskDecision.decided_at >= since).limit(200_000))
    hits = errors = total = 0
    for rule_hits, rule_errors in rows:
        total += 1
        hits += any(h.get("rule_id") == rule_id for h in rule_hits)
        errors += any(e.get("rule_id") == rule_id for e in rule_errors)
    return {"decisions": total, "hits": hits, "errors": errors}


def decisions_count(*, db: Session) -> int:
    """How many decisions the engine has stored."""
    return int(db.scalar(select(func.count()).select_from(RiskDecision)) or 0)


@dataclass(frozen=True)
class EngineMode:
    """How the risk engine has been deciding lately, from the stored decisions (the same in every process)."""

    degraded: str | None  # the cause of the latest decision when it was degraded, else None
    decisions: int  # decisions since the given time
    degraded_count: int  # of which degraded
    last_at: datetime | None


def engine_mode(*, db: Session, since: datetime) -> EngineMode:
    """The engine's mode as its decisions since a time show it: degraded while the last lodgement's decision was
    (a lodgement the engine, unconfigured, left to the default rules has no decision and counts as normal)."""
    last = stored.latest_declaration_id(db=db, since=since)
    latest = None if last is None else db.execute(
        select(RiskDecision.degraded, RiskDecision.decided_at).where(RiskDecision.declaration_id == last)).first()
    total, degraded = db.execute(select(func.count(), func.count(RiskDecision.degraded))
                                 .where(RiskDecision.decided_at >= since)).one()
    return EngineMode(degraded=latest[0] if latest else None, decisions=int(total), degraded_count=int(degraded),
                      last_at=latest[1] if latest else None)
