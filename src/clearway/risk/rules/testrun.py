"""Test-run a rule version against history before putting it in force.

Replays the stored declarations of a window, oldest first, through the same facts and evaluation
as live decisions (traders count as first seen relative to the window's earlier declarations and
everything before it), and reports how many it would have hit and, where the controls domain
provides outcomes, its hit rate among inspected declarations and the revenue those controls found.
Reference unit values are today's, so a test-run over old history slightly flatters unit-value rules.

An analyst's test-run is queued by the request (`test_run_request`) and replayed by the worker
(`test_run_claim`, `test_run_execute`) in batches of BATCH declarations, each batch its own short read,
so a heavy rule never holds the database while traders lodge and officers sign in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.errors import Problem, ValidationFailed
from clearway.risk.engine import stored
from clearway.risk.engine.live import knowledge_load
from clearway.risk.engine.outcomes import outcomes_for
from clearway.risk.models import RiskRule, RiskRuleVersion, RiskTestRun
from clearway.risk.rules.facts import declaration_facts, party_ids
from clearway.risk.rules.ruleset import LiveRule, RuleSet, live_rule

DEFAULT_DAYS = 90
SAMPLE = 20
BATCH = 2_000  # declarations per read transaction of a queued test-run
STALE_S = 300  # a running test-run whose worker has not reported for this long is taken again
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
log = logging.getLogger("clearway.risk")


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


class _Replay:
    """One rule replayed over a stream of stored declarations, fed in batches; keeps what it found so far."""

    def __init__(self, db: Session, rule: LiveRule, start: datetime) -> None:
        self.rules = RuleSet([rule])
        self.knowledge = knowledge_load(db, self.rules.fields, before=start)
        self.hit_ids: list[int] = []
        self.evaluated: list[int] = []
        self.sample: list[str] = []
        self.errors = 0
        self.last: tuple[datetime, int] | None = None

    def feed(self, rows: Iterable[stored.StoredDeclaration]) -> int:
        """Evaluate the rule on each row, in order; how many rows there were."""
        traders = self.knowledge.traders
        count = 0
        for row in rows:
            count += 1
            self.evaluated.append(row.id)
            self.last = (row.lodged_at, row.id)
            facts = declaration_facts(row.document, row.total_value, declarant=row.declarant,
                                      lodged_at=row.lodged_at, knowledge=self.knowledge)
            hits, failed = self.rules.evaluate(facts, row.office, row.type, row.lodged_at.date())
            self.errors += len(failed)
            if hits:
                self.hit_ids.append(row.id)
                if len(self.sample) < SAMPLE:
                    self.sample.append(row.mrn)
            if traders is not None:
                traders.remember(party_ids(row.document))
        return count

    def figures(self, db: Session, version: RiskRuleVersion, first: date, last: date, limit: int) -> TestRun:
        """The test-run's figures, with what controls found among the hits."""
        outcomes = outcomes_for(db=db, declaration_ids=self.evaluated)
        inspected_hits = found = 0
        revenue, baseline = Decimal(0), None
        if outcomes is not None:
            for declaration_id in self.hit_ids:
                outcome = outcomes.get(declaration_id)
                if outcome is not None:
                    inspected_hits += 1
                    found += outcome.hit
                    revenue += outcome.revenue if outcome.hit else 0
            baseline = sum(o.hit for o in outcomes.values()) / len(outcomes) if outcomes else None
        evaluated = len(self.evaluated)
        return TestRun(
            rule_id=version.rule_id, version=version.version, window_from=first, window_to=last,
            evaluated=evaluated, truncated=evaluated >= limit, hits=len(self.hit_ids),
            hit_share=len(self.hit_ids) / evaluated if evaluated else 0.0,
            errors=self.errors, outcomes_available=outcomes is not None, inspected_hits=inspected_hits,
            found=found, hit_rate=found / inspected_hits if inspected_hits else None, baseline_hit_rate=baseline,
            revenue_found=format(revenue.normalize(), "f") if revenue else "0", sample=self.sample)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time.min, UTC), datetime.combine(last + timedelta(days=1), time.min, UTC)


def rule_test_run(*, db: Session, version: RiskRuleVersion, name: str, date_from: date | None,
                  date_to: date | None, limit: int, now: datetime) -> TestRun:
    """Replay one rule version over the stored declarations of a window, in one read (for scripts and tests)."""
    first, last = _window(date_from, date_to, now)
    start, end = _bounds(first, last)
    replay = _Replay(db, live_rule(version, name), start)
    replay.feed(stored.declarations_between(db=db, start=start, end=end, limit=limit))
    return replay.figures(db, version, first, last, limit)


def test_run_request(*, db: Session, actor: Principal, version: RiskRuleVersion, date_from: date | None,
                     date_to: date | None, limit: int, now: datetime) -> RiskTestRun:
    """Queue a test-run of a rule version for the worker; the caller owns the transaction."""
    first, last = _window(date_from, date_to, now)
    if first > last:
        raise ValidationFailed([Problem("risk.test_run_window", "/date_to",
                                        {"date_from": str(first), "date_to": str(last)})])
    run = RiskTestRun(rule_id=version.rule_id, version=version.version, requested_by=actor.username,
                      requested_at=now, date_from=first, date_to=last, row_limit=limit, status=QUEUED, evaluated=0)
    db.add(run)
    db.flush()
    return run


def test_run_claim(*, db: Session, now: datetime) -> int | None:
    """Take the oldest queued test-run (or one whose worker stopped beating), mark it running; its id or None."""
    stale = now - timedelta(seconds=STALE_S)
    candidate = db.scalar(select(RiskTestRun.id).where(
        (RiskTestRun.status == QUEUED) | ((RiskTestRun.status == RUNNING) & (RiskTestRun.heartbeat_at < stale)))
        .order_by(RiskTestRun.id).limit(1))
    if candidate is None:
        return None
    # Conditional on the state read, so two workers never both take it.
    taken = db.execute(update(RiskTestRun).where(
        RiskTestRun.id == candidate,
        (RiskTestRun.status == QUEUED) | ((RiskTestRun.status == RUNNING) & (RiskTestRun.heartbeat_at < stale)))
        .values(status=RUNNING, started_at=now, heartbeat_at=now, evaluated=0)
        .execution_options(synchronize_session=False))
    return candidate if getattr(taken, "rowcount", 0) == 1 else None


def test_run_execute(*, sessions: sessionmaker[Session], reads: sessionmaker[Session], run_id: int,
                     batch: int = BATCH) -> str:
    """Replay a claimed test-run in bounded read batches, recording progress; the status it ended in."""
    with reads() as db, db.begin():
        run = db.get(RiskTestRun, run_id)
        if run is None:
            return FAILED
        rule = db.get(RiskRule, run.rule_id)
        version = db.scalar(select(RiskRuleVersion).where(RiskRuleVersion.rule_id == run.rule_id,
                                                          RiskRuleVersion.version == run.version))
        first, last, limit = run.date_from, run.date_to, run.row_limit
        db.expunge_all()
    if rule is None or version is None:
        return _finish(sessions, run_id, FAILED, None, "risk.test_run_rule_missing")
    start, end = _bounds(first, last)
    try:
        with reads() as db, db.begin():
            replay = _Replay(db, live_rule(version, rule.name), start)
        while len(replay.evaluated) < limit:
            # Each batch is its own short read, so a long test-run never holds a snapshot or a lock for long.
            with reads() as db, db.begin():
                fed = replay.feed(stored.declarations_between(
                    db=db, start=start, end=end, after=replay.last, limit=min(batch, limit - len(replay.evaluated))))
            with sessions() as db, db.begin():
                db.execute(update(RiskTestRun).where(RiskTestRun.id == run_id)
                           .values(evaluated=len(replay.evaluated), heartbeat_at=utcnow())
                           .execution_options(synchronize_session=False))
            if fed < batch:
                break
        with reads() as db, db.begin():
            figures = replay.figures(db, version, first, last, limit)
    except Exception:
        log.exception("test-run %s failed", run_id)
        return _finish(sessions, run_id, FAILED, None, "risk.test_run_failed")
    return _finish(sessions, run_id, DONE, _json(figures), None)


def _json(figures: TestRun) -> dict[str, Any]:
    row = asdict(figures)
    row["window_from"], row["window_to"] = str(figures.window_from), str(figures.window_to)
    return row


def _finish(sessions: sessionmaker[Session], run_id: int, status: str, result: dict[str, Any] | None,
            error: str | None) -> str:
    with sessions() as db, db.begin():
        db.execute(update(RiskTestRun).where(RiskTestRun.id == run_id).values(
            status=status, result=result, error_code=error, finished_at=utcnow(), heartbeat_at=utcnow(),
            **({"evaluated": int(result["evaluated"])} if result else {})).execution_options(synchronize_session=False))
    return status
