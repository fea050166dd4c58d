"""Outcome labels of finished controls, for the risk engine and for hit rates by rule and model version.

Only controls that ran to the end are labels: an escalated documentary check hands its label to
the inspection that follows, and a re-routed one has none. Random-sample picks are flagged so
that the engine can keep its unbiased sample apart from capacity-driven selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from clearway.controls.models import ControlTask, Finding, OutcomeRule
from clearway.declarations.models import Declaration

LABELLED = ("compliant", "irregular")


@dataclass(frozen=True)
class ControlOutcome:
    """One finished control as a label: fraud or not, revenue raised, and what selected it."""

    task_id: int
    declaration_id: int
    mrn: str
    kind: str
    office: str
    finished_at: datetime
    fraud_found: bool
    revenue_raised: Decimal
    currency: str
    random_pick: bool
    rule_ids: list[str]
    model_version: str | None


def control_outcomes(*, db: Session, since: datetime | None = None, declaration_ids: Iterable[int] | None = None,
                     limit: int = 100_000) -> list[ControlOutcome]:
    """Finished controls (oldest first), optionally since a time or of given declarations only."""
    query = (select(ControlTask, Declaration.mrn).join(Declaration, Declaration.id == ControlTask.declaration_id)
             .where(ControlTask.result.in_(LABELLED)))
    if since is not None:
        query = query.where(ControlTask.finished_at >= since)
    if declaration_ids is not None:
        query = query.where(ControlTask.declaration_id.in_(list(declaration_ids)))
    query = query.order_by(ControlTask.finished_at, ControlTask.id).limit(limit)
    return [ControlOutcome(
        task_id=t.id, declaration_id=t.declaration_id, mrn=mrn, kind=t.kind, office=t.office,
        finished_at=t.finished_at or t.created_at, fraud_found=bool(t.fraud_found),
        revenue_raised=Decimal(t.revenue_raised or 0),
        currency=t.currency or "", random_pick=t.random_pick, rule_ids=list(t.rule_ids or []),
        model_version=t.model_version) for t, mrn in db.execute(query).all()]


@dataclass(frozen=True)
class HitRate:
    """How often controls selected by one key found fraud, split by random-sample picks."""

    key: str
    random_pick: bool
    controls: int
    hits: int
    revenue: Decimal

    @property
    def rate(self) -> float:
        """Hits over controls."""
        return self.hits / self.controls if self.controls else 0.0


def hit_rates(*, db: Session, by: Literal["rule", "model_version"],
              since: datetime | None = None) -> list[HitRate]:
    """Hit rate of finished controls grouped by selecting rule or by model version."""
    hit = func.sum(case((ControlTask.fraud_found.is_(True), 1), else_=0).cast(Integer))
    key: Any
    if by == "rule":
        key = OutcomeRule.rule_id
        query = select(key, ControlTask.random_pick, func.count(), hit, func.sum(ControlTask.revenue_raised)) \
            .join(OutcomeRule, OutcomeRule.task_id == ControlTask.id)
    else:
        key = func.coalesce(ControlTask.model_version, "(none)")
        query = select(key, ControlTask.random_pick, func.count(), hit, func.sum(ControlTask.revenue_raised))
    query = query.where(ControlTask.result.in_(LABELLED))
    if since is not None:
        query = query.where(ControlTask.finished_at >= since)
    rows = db.execute(query.group_by(key, ControlTask.random_pick).order_by(key, ControlTask.random_pick)).all()
    return [HitRate(str(k), bool(r), int(n), int(h or 0), Decimal(v or 0)) for k, r, n, h, v in rows]


def corrected_codes(*, db: Session) -> dict[tuple[int, int], str]:
    """(declaration id, item index) -> the HS code an officer's finding corrected it to."""
    rows = db.execute(select(Finding.declaration_id, Finding.item_index, Finding.corrected)).all()
    return {(d, i): str(c["hs_code"]) for d, i, c in rows if isinstance(c, dict) and c.get("hs_code")}
