"""Control outcomes (labels) for the risk engine, read from the controls domain.

`outcomes_for` gives, per declaration id, whether a finished control found an irregularity and the
revenue it raised; None when the controls domain answers in a shape it cannot read (then the risk
engine reports the figures that need no outcomes and says outcomes were not available).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from clearway.controls.outcomes import control_outcomes

log = logging.getLogger("clearway.risk")
_BATCH = 5000


@dataclass(frozen=True)
class Outcome:
    """What the control of one declaration found."""

    hit: bool
    revenue: Decimal


def _field(found: Any, *names: str) -> Any:
    for name in names:
        if isinstance(found, Mapping) and name in found:
            return found[name]
        if hasattr(found, name):
            return getattr(found, name)
    return None


def _outcome(found: Any) -> Outcome | None:
    hit = _field(found, "fraud_found", "hit")
    if hit is None:
        return None  # inspected but not finished: no label yet
    revenue = _field(found, "revenue_raised", "revenue")
    return Outcome(bool(hit), Decimal(str(revenue)) if revenue is not None else Decimal(0))


def outcomes_for(*, db: Session, declaration_ids: Iterable[int]) -> dict[int, Outcome] | None:
    """Finished controls of these declarations by id; None when the controls domain cannot tell."""
    ids, found = list(declaration_ids), {}
    try:
        for start in range(0, len(ids), _BATCH):
            answer = control_outcomes(db=db, declaration_ids=ids[start:start + _BATCH])
            items = answer.items() if isinstance(answer, Mapping) \
                else ((_field(a, "declaration_id"), a) for a in answer)
            for declaration_id, raw in items:
                outcome = _outcome(raw)
                if outcome is not None and declaration_id is not None:
                    found[int(declaration_id)] = outcome
    except (TypeError, AttributeError, ValueError) as exc:
        log.warning("control outcomes unavailable: %s", exc)
        return None
    return found
