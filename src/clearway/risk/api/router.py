"""Risk JSON API under /api/v1/risk: rules and watchlists (models, selection, drift: `router_models`).

Analysts write; officers and auditors read rules; auditors read watchlists. One transaction each.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession, ReadSession, roles
from clearway.openapi_docs import PROBLEMS
from clearway.risk import selectors
from clearway.risk.api.schemas import (
    MatchItem,
    MatchRead,
    MatchRequest,
    RuleActivate,
    RuleCheck,
    RuleCheckRead,
    RuleDraft,
    RuleEdit,
    RulePage,
    RuleRead,
    RuleVersionList,
    TestRunJobPage,
    TestRunJobRead,
    TestRunRequest,
    WatchlistDraft,
    WatchlistKind,
    WatchlistPage,
    WatchlistRead,
)
from clearway.risk.rules import ruleset as rules
from clearway.risk.rules import testrun, watchlists

router = APIRouter(prefix="/risk", tags=["risk"])
Analyst = Annotated[Principal, Depends(roles("analyst"))]
RuleReader = Annotated[Principal, Depends(roles("analyst", "officer", "auditor"))]
ListReader = Annotated[Principal, Depends(roles("analyst", "auditor"))]
RuleId = Annotated[int, Path(ge=1, le=2_147_483_647)]
EntryId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _rule(db: Any, rule_id: int, for_update: bool = False) -> RuleRead:
    rule = rules.rule_get(db=db, rule_id=rule_id, for_update=for_update)
    return selectors.rule_read(rule, rules.rule_version(db=db, rule=rule, version=None))


@router.get("/rules", operation_id="listRiskRules", responses=PROBLEMS)
def rules_index(db: DbSession, actor: RuleReader) -> RulePage:
    """Every rule with its latest version and the version in force."""
    with db.begin():
        return RulePage(items=[selectors.rule_read(r, v) for r, v in rules.rules_list(db=db)])


@router.post("/rules", status_code=201, operation_id="createRiskRule", responses=PROBLEMS)
def rule_create(draft: RuleDraft, db: DbSession, actor: Analyst) -> RuleRead:
    """Save a new rule, inactive; a bad expression is a 422 naming its code, line, column and token."""
    with db.begin():
        rule = rules.rule_create(db=db, actor=actor, draft=draft, now=utcnow())
        return _rule(db, rule.id)


@router.post("/rules/check", operation_id="checkRiskRule", responses=PROBLEMS)
def rule_check(body: RuleCheck, actor: Analyst) -> RuleCheckRead:
    """Check an expression without saving it."""
    compiled = rules.rule_check(body.expression)
    return RuleCheckRead(valid=True, fields=sorted(compiled.fields), per_item=compiled.per_item)


@router.get("/rules/{rule_id}", operation_id="readRiskRule", responses=PROBLEMS)
def rule_read(rule_id: RuleId, db: DbSession, actor: RuleReader) -> RuleRead:
    """One rule."""
    with db.begin():
        return _rule(db, rule_id)


@router.put("/rules/{rule_id}", operation_id="editRiskRule", responses=PROBLEMS)
def rule_edit(rule_id: RuleId, body: RuleEdit, db: DbSession, actor: Analyst) -> RuleRead:
    """Add a version to a rule (412 unless base_version is the latest); the version in force stays."""
    with db.begin():
        rule = rules.rule_get(db=db, rule_id=rule_id, for_update=True)
        draft = RuleDraft.model_validate(body.model_dump(exclude={"base_version"}))
        rules.rule_edit(db=db, actor=actor, rule=rule, draft=draft, base_version=body.base_version, now=utcnow())
        return _rule(db, rule_id)


@router.get("/rules/{rule_id}/versions", operation_id="listRiskRuleVersions", responses=PROBLEMS)
def rule_versions(rule_id: RuleId, db: DbSession, actor: RuleReader) -> RuleVersionList:
    """Every version of a rule, newest first."""
    with db.begin():
        rules.rule_get(db=db, rule_id=rule_id)
        return RuleVersionList(items=[selectors.version_read(v) for v in rules.rule_versions(db=db, rule_id=rule_id)])


@router.post("/rules/{rule_id}/activate", operation_id="activateRiskRule", responses=PROBLEMS)
def rule_activate(rule_id: RuleId, body: RuleActivate, db: DbSession, actor: Analyst) -> RuleRead:
    """Put a version of a rule in force (the latest by default)."""
    with db.begin():
        rule = rules.rule_get(db=db, rule_id=rule_id, for_update=True)
        rules.rule_activate(db=db, actor=actor, rule=rule, version=body.version, now=utcnow())
        return _rule(db, rule_id)


@router.post("/rules/{rule_id}/deactivate", operation_id="deactivateRiskRule", responses=PROBLEMS)
def rule_deactivate(rule_id: RuleId, db: DbSession, actor: Analyst) -> RuleRead:
    """Take a rule out of force."""
    with db.begin():
        rule = rules.rule_get(db=db, rule_id=rule_id, for_update=True)
        rules.rule_deactivate(db=db, actor=actor, rule=rule, now=utcnow())
        return _rule(db, rule_id)


@router.post("/rules/{rule_id}/test-run", status_code=202, operation_id="testRunRiskRule", responses=PROBLEMS)
def rule_test_run(rule_id: RuleId, body: TestRunRequest, response: Response, db: DbSession,
                  actor: Analyst) -> TestRunJobRead:
    """Queue a replay of a rule version over stored declarations; the worker runs it, `Location` tells its state."""
    with db.begin():
        rule = rules.rule_get(db=db, rule_id=rule_id)
        version = rules.rule_version(db=db, rule=rule, version=body.version)
        run = testrun.test_run_request(db=db, actor=actor, version=version, date_from=body.date_from,
                                       date_to=body.date_to, limit=body.limit, now=utcnow())
        read = selectors.test_run_job_read(run)
    response.headers["Location"] = f"/api/v1/risk/test-runs/{read.id}"
    response.headers["Retry-After"] = "2"
    return read


@router.get("/rules/{rule_id}/test-runs", operation_id="listRiskRuleTestRuns", responses=PROBLEMS)
def rule_test_runs(rule_id: RuleId, db: ReadSession, actor: Analyst) -> TestRunJobPage:
    """A rule's most recent test-runs, newest first: hits, hit rate on inspected ones, revenue found."""
    with db.begin():
        rules.rule_get(db=db, rule_id=rule_id)
        return TestRunJobPage(items=[selectors.test_run_job_read(r)
                                     for r in selectors.test_runs_of(db=db, rule_id=rule_id)])


@router.get("/test-runs/{run_id}", operation_id="getRiskTestRun", responses=PROBLEMS)
def test_run_get(run_id: EntryId, response: Response, db: ReadSession, actor: Analyst) -> TestRunJobRead:
    """One test-run: queued, running (with how far it has read), done (with its figures) or failed."""
    with db.begin():
        read = selectors.test_run_job_read(selectors.test_run_get(db=db, run_id=run_id))
    if read.status in ("queued", "running"):
        response.headers["Retry-After"] = "2"
    return read


@router.get("/watchlists", operation_id="listWatchlistEntries", responses=PROBLEMS)
def watchlist_index(db: DbSession, actor: ListReader, kind: WatchlistKind | None = None,
                    include_withdrawn: Annotated[bool, Query()] = False) -> WatchlistPage:
    """Watchlist entries, newest first, of one list or all."""
    with db.begin():
        entries = watchlists.entries_list(db=db, kind=kind, include_withdrawn=include_withdrawn)
        return WatchlistPage(items=[selectors.watchlist_read(e) for e in entries])


@router.post("/watchlists", status_code=201, operation_id="createWatchlistEntry", responses=PROBLEMS)
def watchlist_create(draft: WatchlistDraft, db: DbSession, actor: Analyst) -> WatchlistRead:
    """Add an entry to a watchlist."""
    with db.begin():
        return selectors.watchlist_read(watchlists.entry_create(db=db, actor=actor, draft=draft, now=utcnow()))


@router.post("/watchlists/match", operation_id="matchWatchlist", responses=PROBLEMS)
def watchlist_match(body: MatchRequest, db: DbSession, actor: ListReader) -> MatchRead:
    """The active, unexpired entries of a list that a name or identifier matches, as lodging would see it."""
    now = utcnow()
    with db.begin():
        index = watchlists.watchlists_active(db=db, now=now)
    found = index.similar(body.kind, body.text)
    return MatchRead(items=[MatchItem(entry_id=e.id, listed=e.name, score=round(s, 1), severity=e.severity)
                            for e, s in sorted(found, key=lambda pair: -pair[1])])


@router.get("/watchlists/{entry_id}", operation_id="readWatchlistEntry", responses=PROBLEMS)
def watchlist_read(entry_id: EntryId, db: DbSession, actor: ListReader) -> WatchlistRead:
    """One watchlist entry."""
    with db.begin():
        return selectors.watchlist_read(watchlists.entry_get(db=db, entry_id=entry_id))


@router.put("/watchlists/{entry_id}", operation_id="updateWatchlistEntry", responses=PROBLEMS)
def watchlist_update(entry_id: EntryId, draft: WatchlistDraft, db: DbSession, actor: Analyst) -> WatchlistRead:
    """Replace a watchlist entry's details."""
    with db.begin():
        entry = watchlists.entry_get(db=db, entry_id=entry_id)
        return selectors.watchlist_read(watchlists.entry_update(db=db, actor=actor, entry=entry, draft=draft,
                                                                now=utcnow()))


@router.delete("/watchlists/{entry_id}", operation_id="withdrawWatchlistEntry", responses=PROBLEMS)
def watchlist_withdraw(entry_id: EntryId, db: DbSession, actor: Analyst) -> WatchlistRead:
    """Take an entry off its list (kept for the record)."""
    with db.begin():
        entry = watchlists.entry_get(db=db, entry_id=entry_id)
        return selectors.watchlist_read(watchlists.entry_withdraw(db=db, actor=actor, entry=entry, now=utcnow()))

