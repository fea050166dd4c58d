"""Control outcomes (labels) for the dashboards, normalised from the controls domain's reader.

Each outcome: the declaration, office and channel it was controlled in, whether it was inspected,
picked by the random compliance sample, found an irregularity (hit), the revenue raised (national
currency), the rules and model version that selected it, whether an officer overrode the engine
(unknown when the controls domain does not say) and when it ended. The controls domain's own names
are read too: fraud_found (hit), revenue_raised (revenue), rule_ids (rules), finished_at (at), and
kind (physical: red, documentary: yellow) when there is no channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from clearway.controls.outcomes import control_outcomes
from clearway.declarations.exercises import exercise_ids
from clearway.performance.filters import Filters


@dataclass(frozen=True)
class Outcome:
    """One control outcome, normalised."""

    declaration_id: int
    office: str
    channel: str
    inspected: bool
    random_pick: bool
    hit: bool
    revenue: Decimal
    rules: tuple[str, ...]
    model_version: str | None
    overridden: bool | None
    at: datetime | None


ALIASES = {"hit": ("hit", "fraud_found"), "revenue": ("revenue", "revenue_raised"), "rules": ("rules", "rule_ids"),
           "at": ("at", "finished_at")}
KIND_CHANNEL = {"physical": "red", "documentary": "yellow"}


def _get(row: Any, name: str, default: Any) -> Any:
    for key in ALIASES.get(name, (name,)):
        value = row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)
        if value is not None:
            return value
    return default


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def normalise(row: Any) -> Outcome:
    """An Outcome from whatever shape the controls domain returns (see the module docstring)."""
    at = _get(row, "at", None)
    overridden = _get(row, "overridden", None)
    return Outcome(
        declaration_id=int(_get(row, "declaration_id", 0)), office=str(_get(row, "office", "")),
        channel=str(_get(row, "channel", KIND_CHANNEL.get(str(_get(row, "kind", "")), ""))),
        inspected=bool(_get(row, "inspected", True)),
        random_pick=bool(_get(row, "random_pick", False)), hit=bool(_get(row, "hit", False)),
        revenue=_money(_get(row, "revenue", 0)), rules=tuple(str(r) for r in _get(row, "rules", ()) or ()),
        model_version=_get(row, "model_version", None), overridden=None if overridden is None else bool(overridden),
        at=at if isinstance(at, datetime) else None)


def _within(outcome: Outcome, filters: Filters) -> bool:
    day: date | None = outcome.at.date() if outcome.at else None
    if filters.office and outcome.office != filters.office:
        return False
    if filters.channel and outcome.channel != filters.channel:
        return False
    if day is not None and filters.date_from and day < filters.date_from:
        return False
    return not (day is not None and filters.date_to and day > filters.date_to)


def outcomes_load(*, db: Session, filters: Filters) -> list[Outcome] | None:
    """Control outcomes within the filters, or None when the controls domain does not provide them."""
    since = datetime.combine(filters.date_from, time(0), tzinfo=UTC) if filters.date_from else None
    rows = control_outcomes(db=db, since=since, limit=1_000_000)
    tests = exercise_ids(db)  # training projections are tests of officers, not controls of goods
    rows = [r for r in rows if _get(r, "declaration_id", None) not in tests] if tests else rows
    return [o for o in map(normalise, rows) if _within(o, filters)]
