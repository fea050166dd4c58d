"""Continuity plans as data: per office, who decides, which measures apply for which event, for how long.

A plan is a JSON file in `crisis/plans/` (one per office), checked against `ContinuityPlan` when it is
read: an invalid plan is refused with coded problems pointing at the file and field, never half-used.
Activating a plan's event declares its measures as emergency profiles for the plan's office, each with an
end time of at most the event's `max_hours`: the mode ends by itself, as every emergency profile does.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.crisis.models import EmergencyProfile
from clearway.crisis.schemas import Chapter, Country, Effect, Kind, Office
from clearway.crisis.service import MAX_DAYS, emergency_activate
from clearway.errors import NotFound, Problem, ValidationFailed
from clearway.reference.service import offices

PLANS_DIR = Path(__file__).parent / "plans"
Event = Literal["link_down", "data_centre_down", "surge", "disaster", "pandemic"]
Audience = Literal["traders", "officers", "public"]
Hs6 = Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class Text(BaseModel):
    """A text in every language of the portal (a plan is read by officers and traders alike)."""

    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1, max_length=600)
    es: str = Field(min_length=1, max_length=600)
    fr: str = Field(min_length=1, max_length=600)


class Measure(BaseModel):
    """One mode a plan switches on: an emergency profile kind and effect, with its goods and origins."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    effect: Effect | None = None
    capacity_share: float | None = Field(default=None, ge=0, le=1)
    random_share: float | None = Field(default=None, ge=0, le=1)
    duties: Literal["waived", "secured"] | None = Field(default=None, description=(
        "Relief: the goods' duties are waived by the measure, or (default) paid or secured before release"))
    hs_chapters: list[Chapter] = Field(default_factory=list, max_length=99)
    origins: list[Country] = Field(default_factory=list, max_length=250)


class PlanEvent(BaseModel):
    """What the plan does when one event happens: its trigger, measures, audience and longest duration."""

    model_config = ConfigDict(extra="forbid")
    event: Event
    trigger: Text
    measures: list[Measure] = Field(min_length=1, max_length=5)
    max_hours: int = Field(ge=1, le=MAX_DAYS * 24)
    notify: list[Audience] = Field(default_factory=list)
    notice: Text
    drill_goods: list[Hs6] = Field(default_factory=lambda: ["851713"], min_length=1, max_length=10,
                                   description="HS codes a drill lodges, cycling through them")


class ContinuityPlan(BaseModel):
    """An office's continuity plan."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,40}$")
    office: Office
    decides: Text = Field(description="Who decides to activate the plan")
    title: Text
    events: list[PlanEvent] = Field(min_length=1, max_length=10)


class PlanInvalid(ValidationFailed):
    """A continuity plan file that does not follow the schema or names an unknown office."""

    slug = "crisis-plan-invalid"
    title_code = "problem.crisis_plan_invalid"


def plan_parse(raw: Any, source: str) -> ContinuityPlan:
    """A plan checked against the schema and the reference offices, or PlanInvalid pointing at each fault."""
    try:
        plan = ContinuityPlan.model_validate(raw)
    except PydanticError as exc:
        raise PlanInvalid([Problem("crisis.plan_field", "/" + "/".join(str(p) for p in e["loc"]),
                                   {"file": source, "error": e["type"]}) for e in exc.errors()]) from exc
    if plan.office not in offices():
        raise PlanInvalid([Problem("crisis.plan_office_unknown", "/office", {"file": source, "office": plan.office})])
    events = [e.event for e in plan.events]
    if len(set(events)) != len(events):
        raise PlanInvalid([Problem("crisis.plan_event_twice", "/events", {"file": source})])
    return plan


def plan_read(path: Path) -> ContinuityPlan:
    """One plan file, validated."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PlanInvalid([Problem("crisis.plan_unreadable", "", {"file": path.name})]) from exc
    return plan_parse(raw, path.name)


def plans_load(folder: Path = PLANS_DIR) -> dict[str, ContinuityPlan]:
    """Every plan in the folder, by id (an invalid file refuses the whole set: a plan is never half-known)."""
    plans: dict[str, ContinuityPlan] = {}
    for path in sorted(folder.glob("*.json")):
        plan = plan_read(path)
        if plan.id in plans:
            raise PlanInvalid([Problem("crisis.plan_id_twice", "/id", {"file": path.name})])
        plans[plan.id] = plan
    return plans


def plan_find(name: str, folder: Path = PLANS_DIR) -> ContinuityPlan:
    """A plan by id or office code among the folder's plans, or a plan file given by its path."""
    path = Path(name)
    if path.suffix == ".json" and path.exists():
        return plan_read(path)
    for plan in plans_load(folder).values():
        if name in (plan.id, plan.office):
            return plan
    raise NotFound([Problem("crisis.plan_unknown", "", {"plan": name})])


def plan_event(plan: ContinuityPlan, event: str | None) -> PlanEvent:
    """The plan's response to an event (its first event when none is named)."""
    for entry in plan.events:
        if event in (None, entry.event):
            return entry
    raise NotFound([Problem("crisis.plan_event_unknown", "/event", {"plan": plan.id, "event": str(event)})])


def plan_activate(*, db: Session, plan: ContinuityPlan, event: str | None, actor: str, now: datetime,
                  ends_at: datetime | None = None) -> list[EmergencyProfile]:
    """Switch on the event's measures for the plan's office until `ends_at` (at most `max_hours`), audited."""
    entry = plan_event(plan, event)
    longest = now + timedelta(hours=entry.max_hours)
    end = longest if ends_at is None else min(ends_at, longest)
    profiles = []
    for measure in entry.measures:
        params: dict[str, Any] = {"plan": plan.id, "event": entry.event, "notify_traders": "traders" in entry.notify}
        params |= {k: v for k, v in (("capacity_share", measure.capacity_share),
                                     ("random_share", measure.random_share),
                                     ("duties", measure.duties)) if v is not None}
        scope = {"offices": [plan.office], "hs_prefixes": measure.hs_chapters, "origins": measure.origins}
        profiles.append(emergency_activate(
            db=db, kind=measure.kind, effect=measure.effect, scope=scope, params=params,
            reason=f"plan {plan.id}: {entry.event}"[:200], expires_at=end, actor=actor, now=now,
            public="public" in entry.notify, notice=entry.notice.model_dump()))
    audit_append(db=db, actor=actor, actor_org="customs", action="crisis.plan_activated", target_type="plan",
                 target_id=plan.id, detail={"event": entry.event, "profiles": [p.id for p in profiles],
                                            "ends_at": end.isoformat()}, at=now)
    return profiles
