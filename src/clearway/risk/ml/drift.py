"""Drift report: has the score distribution moved (PSI), and what do controls find, week by week?

PSI (population stability index) compares the promoted model's scores in a reference window
(the `days` before the recent window) with the recent `days`, over ten bins cut at the reference
window's deciles (equal widths when it has too few distinct scores): below 0.1 is stable,
0.1-0.25 a moderate shift, above 0.25 a large one. The weekly table counts decisions, selections
and random picks and, where the controls domain gives outcomes, the hit rate of controls — with
random picks apart, as the unbiased estimate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.risk.engine.outcomes import outcomes_for
from clearway.risk.models import RiskDecision, RiskModel

BINS = 10
WEEKS = 12
ROW_LIMIT = 200_000
_EPSILON = 1e-4


def psi(reference: np.ndarray, recent: np.ndarray, bins: int = BINS) -> tuple[float | None, list[dict[str, float]]]:
    """PSI between two score samples over bins cut at the reference deciles, and the bins themselves.

    When the reference holds too few distinct scores for deciles (half the cuts coincide), the
    bins are equally wide over [0, 1] instead.
    """
    if len(reference) == 0 or len(recent) == 0:
        return None, []
    cuts = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    if len(cuts) < (bins - 1) / 2:
        cuts = np.linspace(0, 1, bins + 1)[1:-1]
    edges = np.concatenate([[min(0.0, float(reference.min()), float(recent.min()))], cuts,
                            [max(1.0, float(reference.max()), float(recent.max()))]])
    p = np.histogram(reference, edges)[0] / len(reference)
    q = np.histogram(recent, edges)[0] / len(recent)
    pc, qc = np.clip(p, _EPSILON, None), np.clip(q, _EPSILON, None)
    value = float(np.sum((qc - pc) * np.log(qc / pc)))
    table = [{"low": float(edges[i]), "high": float(edges[i + 1]), "reference": float(p[i]), "recent": float(q[i])}
             for i in range(len(p))]
    return value, table


@dataclass(frozen=True)
class Drift:
    """The drift report's figures."""

    office: str | None
    model_version: str | None
    reference_from: date
    reference_to: date
    reference_n: int
    recent_from: date
    recent_to: date
    recent_n: int
    psi: float | None
    bins: list[dict[str, float]]
    weeks: list[dict[str, Any]]
    outcomes_available: bool


def _rows(db: Session, office: str | None, since: datetime) -> list[Any]:
    query = select(RiskDecision.declaration_id, RiskDecision.decided_at, RiskDecision.channel,
                   RiskDecision.random_pick, RiskDecision.score, RiskDecision.model_version
                   ).where(RiskDecision.decided_at >= since)
    if office:
        query = query.where(RiskDecision.office == office)
    return list(db.execute(query.order_by(RiskDecision.decided_at.desc()).limit(ROW_LIMIT)))


def _weeks(db: Session, rows: list[Any]) -> tuple[list[dict[str, Any]], bool]:
    """Per ISO week (Monday): decisions, selections, random picks, and control hit rates."""
    selected = [r.declaration_id for r in rows if r.channel in ("yellow", "red")]
    outcomes = outcomes_for(db=db, declaration_ids=selected)
    weeks: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        week = weeks[r.decided_at.date() - timedelta(days=r.decided_at.weekday())]
        week["decisions"] += 1
        week["selected"] += r.channel in ("yellow", "red")
        week["random"] += r.random_pick
        outcome = outcomes.get(r.declaration_id) if outcomes else None
        if outcome is not None:
            week["inspected"] += 1
            week["hits"] += outcome.hit
            week["random_inspected"] += r.random_pick
            week["random_hits"] += r.random_pick and outcome.hit
    table = []
    for start in sorted(weeks):
        w = weeks[start]
        table.append({"week": start, **{k: w[k] for k in ("decisions", "selected", "random", "inspected", "hits",
                                                          "random_inspected", "random_hits")},
                      "hit_rate": w["hits"] / w["inspected"] if w["inspected"] else None,
                      "random_hit_rate": w["random_hits"] / w["random_inspected"] if w["random_inspected"] else None})
    return table, outcomes is not None


def drift_report(*, db: Session, office: str | None, days: int, now: datetime) -> Drift:
    """PSI of the promoted model's scores (recent `days` against the `days` before) and weekly hit rates."""
    version = db.scalar(select(RiskModel.version).where(RiskModel.status == "promoted"))
    recent_start, reference_start = now - timedelta(days=days), now - timedelta(days=2 * days)
    rows = _rows(db, office, min(reference_start, now - timedelta(weeks=WEEKS)))
    scored = [r for r in rows if r.score is not None and r.model_version == version and not math.isnan(r.score)]
    reference = np.array([r.score for r in scored if reference_start <= r.decided_at < recent_start])
    recent = np.array([r.score for r in scored if r.decided_at >= recent_start])
    value, bins = psi(reference, recent)
    weeks, available = _weeks(db, [r for r in rows if r.decided_at >= now - timedelta(weeks=WEEKS)])
    return Drift(office=office, model_version=version, reference_from=reference_start.date(),
                 reference_to=recent_start.date(), reference_n=len(reference), recent_from=recent_start.date(),
                 recent_to=now.date(), recent_n=len(recent), psi=value, bins=bins, weeks=weeks,
                 outcomes_available=available)
