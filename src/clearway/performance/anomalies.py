"""Missing and out-of-order events: counted per check and listed, so nothing is dropped silently.

A check is a (milestone, prerequisite) pair from `milestones.REQUIRES`: "missing" when the
milestone exists without its prerequisite, "out of order" when the prerequisite is later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from clearway.performance.filters import Filters, month_split, where_sql
from clearway.performance.milestones import CHECKS, MILESTONES, check_name, timeline_problems
from clearway.performance.rollup_read import rollup_checks, selection_size
from clearway.performance.settings import performance_settings


@dataclass(frozen=True)
class CheckCount:
    """How many timelines fail one check, either way."""

    check: str
    missing: int
    out_of_order: int


@dataclass(frozen=True)
class Anomaly:
    """One declaration whose events fail at least one check."""

    mrn: str
    office: str
    missing: list[str]
    out_of_order: list[str]


def _condition(milestone: str, prerequisite: str) -> tuple[str, str]:
    missing = f"t.{milestone} IS NOT NULL AND t.{prerequisite} IS NULL"
    disorder = f"t.{milestone} IS NOT NULL AND t.{prerequisite} > t.{milestone}"
    return missing, disorder


def _exact_counts(db: Session, filters: Filters) -> tuple[int, np.ndarray]:
    """Timelines and per check (missing…, then out of order…) counts, from the timelines themselves."""
    where, params = where_sql(filters)
    sums = []
    for i, (milestone, prerequisite) in enumerate(CHECKS):
        missing, disorder = _condition(milestone, prerequisite)
        sums.append(f"SUM(CASE WHEN {missing} THEN 1 ELSE 0 END) AS m{i}, "
                    f"SUM(CASE WHEN {disorder} THEN 1 ELSE 0 END) AS d{i}")
    row = db.execute(text(f"SELECT COUNT(*) AS n, {', '.join(sums)} FROM performance_timelines t WHERE {where}"),
                     params).mappings().one()
    counts = [int(row[f"m{i}"] or 0) for i in range(len(CHECKS))] + \
        [int(row[f"d{i}"] or 0) for i in range(len(CHECKS))]
    return int(row["n"]), np.array(counts, dtype=np.int64)


def anomaly_counts(*, db: Session, filters: Filters) -> tuple[int, list[CheckCount]]:
    """The number of timelines considered, and per check how many are missing or out of order.

    Large selections add up the monthly rollups' cells and count only their partial months."""
    if selection_size(db=db, filters=filters) > performance_settings().exact_limit:
        whole = rollup_checks(db=db, filters=filters, checks=len(CHECKS))
        total, summed = whole if whole is not None else (0, np.zeros(2 * len(CHECKS), dtype=np.int64))
        for edge in month_split(filters)[1]:
            n, counts = _exact_counts(db, edge)
            total, summed = total + n, summed + counts
    else:
        total, summed = _exact_counts(db, filters)
    return total, [CheckCount(check_name(m, p), int(summed[i]), int(summed[len(CHECKS) + i]))
                   for i, (m, p) in enumerate(CHECKS)]


def anomaly_list(*, db: Session, filters: Filters, limit: int = 100) -> list[Anomaly]:
    """Up to `limit` declarations failing a check, newest lodgement first, with what each fails."""
    where, params = where_sql(filters)
    failing = " OR ".join(f"({c})" for m, p in CHECKS for c in _condition(m, p))
    columns = ", ".join(f"t.{m}" for m in MILESTONES)
    rows = db.execute(text(
        f"SELECT d.mrn, t.office, {columns} FROM performance_timelines t "
        f"JOIN declarations d ON d.id = t.declaration_id "
        f"WHERE {where} AND ({failing}) ORDER BY t.lodged_on DESC, t.declaration_id DESC LIMIT :limit"),
        {**params, "limit": limit}).mappings()
    found = []
    for row in rows:
        missing, disorder = timeline_problems({m: row[m] for m in MILESTONES})
        found.append(Anomaly(row["mrn"], row["office"], missing, disorder))
    return found
