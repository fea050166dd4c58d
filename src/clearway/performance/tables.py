"""Every dashboard table, built once from a report and shown as HTML, exported as CSV and charted.

Headers are message codes (translated on the page, kept as codes in CSV so that columns stay
stable across languages); durations are hours with two decimals.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from clearway.performance.effectiveness import Effectiveness, Rate
from clearway.performance.service import BUCKETS, ReleaseReport, RevenueRow


@dataclass(frozen=True)
class Table:
    """A named table: its column codes and rows of plain values."""

    name: str
    columns: list[str]
    rows: list[list[Any]]


def hours(seconds: float | None) -> float | None:
    """Seconds as hours with two decimals (None stays None)."""
    return None if seconds is None else round(seconds / 3600, 2)


def release_table(report: ReleaseReport) -> Table:
    """Each interval's statistics per group."""
    columns = [*report.by, "interval", "count", "mean_h", "median_h", "p90_h", "p95_h", "outside_hours_mean_h",
               "out_of_order"]
    rows = [[*s.group.values(), s.interval, s.count, hours(s.mean), hours(s.median), hours(s.p90), hours(s.p95),
             hours(s.outside_hours_mean), s.out_of_order] for s in report.stats]
    return Table("release_times", columns, rows)


def anomalies_table(report: ReleaseReport) -> Table:
    """Per check, how many timelines miss the earlier event or have it later."""
    return Table("anomalies", ["check", "missing", "out_of_order"],
                 [[c.check, c.missing, c.out_of_order] for c in report.anomalies])


def distribution_table(buckets: list[tuple[int | None, int]]) -> Table:
    """Declarations per release-time bucket, by its lower and upper bounds in hours."""
    lows = [0, *BUCKETS]
    return Table("release_distribution", ["from_h", "to_h", "declarations"],
                 [[hours(low), hours(high), n] for low, (high, n) in zip(lows, buckets, strict=True)])


def channel_mix_table(counts: list[tuple[Any, ...]]) -> Table:
    """Declarations per month and channel."""
    return Table("channel_mix", ["period", "channel", "declarations"], [list(r) for r in counts])


def _rate_row(label: str, rate: Rate) -> list[Any]:
    value = None if rate.value is None else round(rate.value, 4)
    low = None if rate.low is None else round(rate.low, 4)
    high = None if rate.high is None else round(rate.high, 4)
    return [label, rate.hits, rate.total, value, low, high]


RATE_COLUMNS = ["what", "numerator", "denominator", "rate", "ci95_low", "ci95_high"]


def effectiveness_tables(result: Effectiveness) -> list[Table]:
    """Inspection rates, hit rates, non-compliance, overrides, per rule, per model and over time."""
    summary = [_rate_row("hit_rate_risk_selected", result.hit_selected),
               _rate_row("hit_rate_random", result.hit_random),
               _rate_row("non_compliance_random_sample", result.non_compliance),
               _rate_row("override_rate", result.override)]
    per_inspection = None if result.revenue_per_inspection is None else str(round(result.revenue_per_inspection, 2))
    return [
        Table("inspection_by_channel", RATE_COLUMNS,
              [_rate_row(c, r) for c, r in result.inspection_by_channel.items()]),
        Table("hit_rates", RATE_COLUMNS, summary),
        Table("revenue_per_inspection", ["revenue_total", "revenue_per_inspection"],
              [[str(result.revenue_total), per_inspection]]),
        Table("hit_rate_by_rule", RATE_COLUMNS, [_rate_row(k, r) for k, r in result.by_rule.items()]),
        Table("hit_rate_by_model", RATE_COLUMNS, [_rate_row(k, r) for k, r in result.by_model.items()]),
        Table("precision_by_period", ["period", "inspection_rate", "precision"],
              [[p, _value(a), _value(b)] for p, (a, b) in result.precision_by_period.items()]),
    ]


def _value(rate: Rate) -> float | None:
    return None if rate.value is None else round(rate.value, 4)


def revenue_table(rows: list[RevenueRow]) -> Table:
    """Assessed, collected and adjusted revenue per office, month, tax and currency."""
    return Table("revenue", ["office", "period", "tax", "currency", "assessed", "collected", "adjusted"],
                 [[r.office, r.period, r.tax, r.currency, str(r.assessed), str(r.collected), str(r.adjusted)]
                  for r in rows])


def as_csv(table: Table) -> str:
    """The table as CSV (RFC 4180) with its column codes as header; blanks for missing values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return out.getvalue()


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection) in text cells."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
