"""Performance API under /api/v1/performance: customs staff only; an officer sees its own office."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from clearway.auth.schemas import Principal
from clearway.body import SAFE_TEXT
from clearway.db import utcnow
from clearway.deps import ReportSession, roles
from clearway.openapi_docs import PROBLEMS
from clearway.performance import anomalies, service
from clearway.performance.filters import Filters
from clearway.performance.milestones import INTERVAL_BY_NAME
from clearway.performance.schemas import (
    AnomalyList,
    AnomalyRead,
    CheckCountRead,
    Dimension,
    EffectivenessRead,
    IntervalStatsRead,
    ReleaseTimesRead,
    TableRead,
    table_read,
)
from clearway.performance.tables import effectiveness_tables, revenue_table

router = APIRouter(prefix="/performance", tags=["performance"])
# Supervisors, analysts, administrators and auditors. Auth has no supervisor flag yet, so every
# officer may read, and only its own office (Filters.scoped); narrow here when auth gains one.
READERS = ("officer", "analyst", "admin", "auditor")
Reader = Annotated[Principal, Depends(roles(*READERS))]
IntervalName = Literal[tuple(INTERVAL_BY_NAME)]  # type: ignore[valid-type]  # built from the one mapping


def filters_of(date_from: Annotated[date | None, Query(description="First lodgement day (UTC)")] = None,
               date_to: Annotated[date | None, Query(description="Last lodgement day (UTC), inclusive")] = None,
               office: Annotated[str | None, Query(max_length=8, pattern=SAFE_TEXT)] = None,
               channel: Annotated[Literal["green", "yellow", "red", "blue"] | None, Query()] = None,
               mode: Annotated[str | None, Query(pattern=r"^[1-9]$")] = None,
               aeo: Annotated[bool | None, Query(description="Declarant is an authorised economic operator")] = None,
               ) -> Filters:
    """The report filters from the query string."""
    return Filters(date_from=date_from, date_to=date_to, office=office, channel=channel, mode=mode, aeo=aeo).checked()


Selection = Annotated[Filters, Depends(filters_of)]


@router.get("/release-times", operation_id="readReleaseTimes", responses=PROBLEMS)
def release_times(db: ReportSession, actor: Reader, selection: Selection,
                  group_by: Annotated[list[Dimension], Query(max_length=5)] = [],  # noqa: B006 (FastAPI copies it)
                  interval: Annotated[list[IntervalName], Query(max_length=15)] = [],  # type: ignore[valid-type]  # noqa: B006
                  ) -> ReleaseTimesRead:
    """Mean, median, p90 and p95 of every TRS interval, grouped, with missing and out-of-order counts."""
    by = tuple(dict.fromkeys(group_by))
    with db.begin():
        report = service.release_report(db=db, filters=selection.scoped(actor), by=by, now=utcnow(),
                                        intervals=tuple(dict.fromkeys(interval)) or None)
    stats = [IntervalStatsRead(interval=s.interval, group=s.group, count=s.count, mean_s=s.mean, median_s=s.median,
                               p90_s=s.p90, p95_s=s.p95,
                               outside_hours_mean_s=s.outside_hours_mean, out_of_order=s.out_of_order)
             for s in report.stats]
    checks = [CheckCountRead(check=c.check, missing=c.missing, out_of_order=c.out_of_order) for c in report.anomalies]
    return ReleaseTimesRead(group_by=list(by), timelines=report.timelines, stats=stats, anomalies=checks)


@router.get("/release-times/anomalies", operation_id="listReleaseTimeAnomalies", responses=PROBLEMS)
def anomaly_list(db: ReportSession, actor: Reader, selection: Selection,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> AnomalyList:
    """Declarations whose events are missing or out of order, newest lodgement first."""
    with db.begin():
        service.refresh(db=db, now=utcnow())
        found = anomalies.anomaly_list(db=db, filters=selection.scoped(actor), limit=limit)
    return AnomalyList(items=[AnomalyRead(mrn=a.mrn, office=a.office, missing=a.missing, out_of_order=a.out_of_order)
                              for a in found])


@router.get("/effectiveness", operation_id="readControlEffectiveness", responses=PROBLEMS)
def effectiveness(db: ReportSession, actor: Reader, selection: Selection) -> EffectivenessRead:
    """Inspection, hit, non-compliance (Wilson 95 %) and override rates, per rule and model, over time."""
    with db.begin():
        result = service.effectiveness_report(db=db, filters=selection.scoped(actor), now=utcnow())
    if result is None:
        return EffectivenessRead(available=False, tables=[])
    return EffectivenessRead(available=True, tables=[table_read(t) for t in effectiveness_tables(result)])


@router.get("/revenue", operation_id="readRevenue", responses=PROBLEMS)
def revenue(db: ReportSession, actor: Reader, selection: Selection) -> TableRead:
    """Assessed, collected and adjusted revenue by office, month, tax and currency (amounts as decimal strings)."""
    with db.begin():
        rows = service.revenue_report(db=db, filters=selection.scoped(actor))
    return table_read(revenue_table(rows))

