"""Selection per office and direction: inspection capacity, random compliance rates, model thresholds.

Capacity is the expected share of declarations sent red and yellow. The random compliance draw
is kept apart from targeting: it happens for every declaration whatever rules and model say, at
its own rate (lower for authorised economic operators), and is flagged on the decision so that
its hit rate estimates the true rate of irregularities. The model selects what scores above
thresholds derived from recent quantiles of the office's objective (frauds found, serious frauds
found, revenue recovered, or a weighted mix: see `ml.objectives` and `thresholds`), so that model picks fill the
capacity left after random picks and rule and watchlist hits; AEO declarations need a higher
score (their share is multiplied by `aeo_factor`). A setting for office "*" applies to offices
without their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.risk.api.schemas_models import SelectionDraft
from clearway.risk.engine.changes import change_record
from clearway.risk.ml.objectives import Objective
from clearway.risk.models import SelectionSetting


@dataclass(frozen=True)
class LiveSetting:
    """A selection setting in memory (floats: only compared with scores and draws)."""

    office: str
    direction: str
    red_share: float
    yellow_share: float
    random_rate: float
    aeo_random_rate: float
    aeo_factor: float
    random_channel: str
    thresholds: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def objective(self) -> Objective:
        """The objective the thresholds were derived for: the one decisions rank by until they are derived anew."""
        return Objective.from_json(self.thresholds.get("objective"))

    def model_channel(self, score: float, aeo: bool) -> str | None:
        """red or yellow when the objective's value passes the office's thresholds, else None."""
        prefix = "aeo_" if aeo else ""
        for channel in ("red", "yellow"):
            limit = self.thresholds.get(prefix + channel)
            if isinstance(limit, int | float) and score >= limit:
                return channel
        return None

    def random_pick(self, draw: float, aeo: bool) -> str | None:
        """The random compliance channel when the draw (uniform in [0, 1)) falls under the rate."""
        return self.random_channel if draw < (self.aeo_random_rate if aeo else self.random_rate) else None


class Selection:
    """Every setting, found by office and direction with '*' as the fallback office."""

    def __init__(self, settings: Iterable[LiveSetting]):
        self.settings = {(s.office, s.direction): s for s in settings}

    def __len__(self) -> int:
        return len(self.settings)

    def setting(self, office: str, direction: str) -> LiveSetting | None:
        """The setting that applies, or None."""
        return self.settings.get((office, direction)) or self.settings.get(("*", direction))


def live_setting(row: SelectionSetting) -> LiveSetting:
    """The in-memory view of a stored setting."""
    return LiveSetting(row.office, row.direction, float(row.red_share), float(row.yellow_share),
                       float(row.random_rate), float(row.aeo_random_rate), float(row.aeo_factor), row.random_channel,
                       dict(row.thresholds or {}))


def settings_list(*, db: Session) -> list[SelectionSetting]:
    """Every selection setting, by office and direction."""
    return list(db.scalars(select(SelectionSetting).order_by(SelectionSetting.office, SelectionSetting.direction)))


def setting_get(*, db: Session, office: str, direction: str) -> SelectionSetting | None:
    """The stored setting of an office ('*' for any) and direction."""
    return db.scalar(select(SelectionSetting).where(SelectionSetting.office == office,
                                                    SelectionSetting.direction == direction))


def setting_save(*, db: Session, actor: Principal, office: str, direction: str, draft: SelectionDraft,
                 now: datetime) -> SelectionSetting:
    """Create or replace the setting of an office and direction (thresholds stay until recomputed)."""
    row = setting_get(db=db, office=office, direction=direction)
    before = None
    if row is None:
        row = SelectionSetting(office=office, direction=direction, thresholds={}, thresholds_at=None)
        db.add(row)
    else:
        before = {k: str(getattr(row, k)) for k in SelectionDraft.model_fields}
    for name, value in draft.model_dump().items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = actor.username, now
    db.flush()
    change_record(db=db, actor=actor, kind="selection.saved", target_type="risk_selection",
                  target_id=f"{office}/{direction}",
                  detail={"before": before, "after": draft.model_dump(mode="json")}, now=now)
    return row


def selection_active(*, db: Session) -> Selection:
    """Every stored setting in memory."""
    return Selection(live_setting(row) for row in settings_list(db=db))
