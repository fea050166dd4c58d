"""Shapes of the performance API. Durations are seconds (floats); money is a decimal string."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Dimension = Literal["office", "channel", "mode", "aeo", "period"]
Cell = str | int | float | bool | None


class IntervalStatsRead(BaseModel):
    """One interval's statistics in one group."""

    interval: str
    group: dict[str, str | bool | None] = Field(description="The group's dimension values")
    count: int = Field(description="Declarations with both milestones, in order")
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    p95_s: float | None
    outside_hours_mean_s: float | None = Field(description="Mean time outside the office's opening hours")
    out_of_order: int = Field(description="Declarations left out because the end precedes the start")


class CheckCountRead(BaseModel):
    """A consistency check and how many timelines fail it."""

    check: str
    missing: int
    out_of_order: int


class ReleaseTimesRead(BaseModel):
    """The release-time report of a selection."""

    group_by: list[Dimension]
    timelines: int = Field(description="Declarations in the selection")
    stats: list[IntervalStatsRead]
    anomalies: list[CheckCountRead]


class AnomalyRead(BaseModel):
    """A declaration with missing or out-of-order events."""

    mrn: str
    office: str
    missing: list[str]
    out_of_order: list[str]


class AnomalyList(BaseModel):
    """Declarations failing a consistency check, newest first."""

    items: list[AnomalyRead]


class TableRead(BaseModel):
    """A table: column codes and rows of plain values."""

    name: str
    columns: list[str]
    rows: list[list[Cell]]


class EffectivenessRead(BaseModel):
    """Control effectiveness tables, or available=false while control outcomes are not provided."""

    available: bool
    tables: list[TableRead]


def table_read(table: Any) -> TableRead:
    """The API shape of a performance Table."""
    return TableRead(name=table.name, columns=table.columns,
                     rows=[[v if isinstance(v, str | int | float | bool) or v is None else str(v) for v in row]
                           for row in table.rows])
