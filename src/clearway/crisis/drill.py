"""A continuity plan drill: the plan's event is activated against a real database, a burst of declarations
is lodged through the lodging flow the caller hands in, and the mode is shown to end by itself.

The drill's window is short (seconds, not the plan's hours): the plan's measures are the same, only the end
time is brought forward, so the drill can watch it pass. After the end, the worker's expiry job (handed in
by the caller) writes the lifting down, and a few more lodgements show that goods are no longer under it.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from clearway.crisis import selectors
from clearway.crisis.models import EmergencyDecision, EmergencyProfile
from clearway.crisis.plans import ContinuityPlan, plan_activate, plan_event
from clearway.errors import DomainError

# The flow that lodges one document in the caller's transaction and returns the declaration (its id).
Lodge = Callable[[Session, dict[str, Any], datetime], Any]
Progress = Callable[[str, int, int], None]


@dataclass
class PlanDrillReport:
    """What the plan drill measured."""

    plan: str
    event: str
    office: str
    profiles: list[int] = field(default_factory=list)
    activate_ms: float = 0.0
    lodged: int = 0
    refused: int = 0
    under_plan: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    post_clearance_audit: int = 0
    released: int = 0
    held: int = 0
    lodge_s: float = 0.0
    ends_at: datetime | None = None
    lifted_by: str | None = None
    ended_at: datetime | None = None
    after_lodged: int = 0
    after_under_plan: int = 0
    total_s: float = 0.0
    refusals: dict[str, int] = field(default_factory=dict)
    holds: dict[str, int] = field(default_factory=dict)  # why the held goods wait, by hold code
    release_s: dict[str, float] | None = None  # lodgement to release, median and max, of the released goods

    @property
    def rate(self) -> float:
        """Lodgements per second during the burst."""
        return self.lodged / self.lodge_s if self.lodge_s else 0.0

    @property
    def ended_by_itself(self) -> bool:
        """The mode ended at its end time, lifted by the system, and nothing lodged after it was under it."""
        return self.lifted_by == "system" and self.after_under_plan == 0 and self.after_lodged > 0


def _document(template: dict[str, Any], hs: str, lrn: str, office: str) -> dict[str, Any]:
    doc = copy.deepcopy(template)
    doc["lrn"], doc["office"] = lrn, office
    doc["transport"] = {**doc["transport"], "border_office": office}
    doc["items"] = [{**doc["items"][0], "hs_code": hs}]
    return doc


def _burst(sessions: sessionmaker[Session], lodge: Lodge, docs: list[dict[str, Any]], now: Callable[[], datetime],
           report: PlanDrillReport, progress: Progress | None, phase: str) -> list[int]:
    """Lodge each document in its own transaction, as traders do; the ids of the accepted ones."""
    ids = []
    for n, doc in enumerate(docs, 1):
        try:
            with sessions() as db, db.begin():
                ids.append(int(lodge(db, doc, now()).id))
        except DomainError as exc:
            report.refused += 1
            for code in [p.code for p in exc.problems] or [exc.slug]:
                report.refusals[code] = report.refusals.get(code, 0) + 1
        if progress and n % 25 == 0:
            progress(phase, n, len(docs))
    return ids


def plan_drill_run(*, sessions: sessionmaker[Session], lodge: Lodge, expire: Callable[[], Any],
                   plan: ContinuityPlan, event: str | None, count: int, window_s: float, template: dict[str, Any],
                   now: Callable[[], datetime], progress: Progress | None = None) -> PlanDrillReport:
    """Activate the plan's event for `window_s` seconds, lodge `count` declarations, wait for the end, check."""
    entry = plan_event(plan, event)
    report = PlanDrillReport(plan=plan.id, event=entry.event, office=plan.office)
    started = time.perf_counter()
    with sessions() as db, db.begin():
        at = now()
        profiles = plan_activate(db=db, plan=plan, event=entry.event, actor="drill", now=at,
                                 ends_at=at + timedelta(seconds=window_s))
        report.profiles = [p.id for p in profiles]
        report.ends_at = profiles[0].expires_at
    report.activate_ms = (time.perf_counter() - started) * 1000
    stamp = at.strftime("%y%m%d%H%M%S%f")[:16]
    goods = entry.drill_goods
    docs = [_document(template, goods[n % len(goods)], f"PD-{stamp}-{n:05d}", plan.office) for n in range(count)]
    burst = time.perf_counter()
    ids = _burst(sessions, lodge, docs, now, report, progress, "plan")
    report.lodge_s = time.perf_counter() - burst
    report.lodged = len(ids)
    with sessions() as db:
        outcome = selectors.declarations_outcome(db=db, ids=ids, profiles=report.profiles)
    report.released, report.held = outcome["released"], outcome["held"]
    report.under_plan, report.post_clearance_audit = outcome["under"], outcome["post_clearance_audit"]
    report.by_channel, report.holds, report.release_s = outcome["by_channel"], outcome["holds"], outcome["release_s"]

    # The end time passes with nobody lifting the mode: the worker's expiry job writes it down.
    wait = (profiles[0].expires_at - now()).total_seconds()
    if wait > 0:
        time.sleep(wait + 0.05)
    expire()
    with sessions() as db:
        lifted = [db.get(EmergencyProfile, pid) for pid in report.profiles]
        report.lifted_by = ",".join(sorted({p.lifted_by or "nobody" for p in lifted if p is not None}))
        report.ended_at = max((p.lifted_at for p in lifted if p is not None and p.lifted_at), default=None)
    after = [_document(template, goods[n % len(goods)], f"PA-{stamp}-{n:05d}", plan.office)
             for n in range(max(1, count // 10))]
    after_ids = _burst(sessions, lodge, after, now, report, None, "after")
    report.after_lodged = len(after_ids)
    with sessions() as db:
        report.after_under_plan = len(list(db.scalars(select(EmergencyDecision.id).where(
            EmergencyDecision.declaration_id.in_(after_ids), EmergencyDecision.profile_id.in_(report.profiles))))) \
            if after_ids else 0
    report.total_s = time.perf_counter() - started
    if progress:
        progress("plan", count, count)
    return report
