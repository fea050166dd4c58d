"""Reading control outcomes from the controls domain, whose module may not be installed yet.

Contract expected of `clearway.controls.service.control_outcomes` (keyword arguments among
`db`, `date_from`, `date_to`, `office`, `since`, `limit`, `now`; only those it declares are
passed): an iterable of
objects or mappings with
    declaration_id  int
    office          str
    channel         str            the channel the declaration was controlled in
    inspected       bool           a documentary or physical check was done
    random_pick     bool           selected by the random compliance sample, not by risk
    hit             bool           the check found an irregularity
    revenue         Decimal|str    additional revenue raised by the finding (national currency)
    rules           list[str]      ids of the risk rules that selected it (may be empty)
    model_version   str|None       the risk model version that scored it
    overridden      bool           an officer changed the channel the engine chose
    at              datetime       when the control ended (or was decided)
The controls domain's own names are read too: fraud_found (hit), revenue_raised (revenue),
rule_ids (rules), finished_at (at), and kind (physical: red, documentary: yellow) when there is
no channel. Its outcomes are finished checks, so `inspected` defaults to true; `overridden` is
unknown when absent and such outcomes stay out of the override rate. Other missing attributes
take the neutral value; while the module is absent the dashboards say that control outcomes are
not available rather than showing zeros.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from clearway.db import utcnow
from clearway.performance.filters import Filters

MODULE = "clearway.controls.service"


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


def _provider() -> Any | None:
    try:
        module = importlib.import_module(MODULE)
    except ModuleNotFoundError as exc:
        if exc.name is not None and MODULE.startswith(exc.name):
            return None  # the controls domain is not installed (yet): degrade, do not fail
        raise
    return getattr(module, "control_outcomes", None)


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
    provider = _provider()
    if provider is None:
        return None
    since = datetime.combine(filters.date_from, time(0), tzinfo=UTC) if filters.date_from else None
    offered = {"db": db, "date_from": filters.date_from, "date_to": filters.date_to, "office": filters.office,
               "since": since, "limit": 1_000_000, "now": utcnow()}
    accepted = inspect.signature(provider).parameters
    rows = provider(**{k: v for k, v in offered.items() if k in accepted})
    return [o for o in map(normalise, rows) if _within(o, filters)]
