"""Risk API shapes for the model registry, selection settings, drift and stored decisions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from clearway.risk.api.schemas import Strict

ShareField = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=5)]


class SelectionDraft(Strict):
    """Capacity and random rates for one office and direction."""

    red_share: ShareField = Field(description="Expected share of declarations sent to physical inspection")
    yellow_share: ShareField = Field(description="Expected share sent to documentary check")
    random_rate: ShareField = Field(description="Share drawn at random for compliance measurement")
    aeo_random_rate: ShareField = Field(description="Random rate for authorised economic operators")
    aeo_factor: ShareField = Field(Decimal("0.5"), description="Share of model capacity AEO declarations may take")
    random_channel: Literal["yellow", "red"] = "red"
    objective: Literal["frauds", "serious", "revenue", "mix"] = Field(
        default="frauds", description="What the model's share of capacity is filled by: frauds found (fraud "
        "probability), serious frauds found (critical_score), revenue recovered (expected revenue) or a weighted mix")
    weight_frauds: ShareField = Field(default=Decimal("1"),
                                      description="Mix weight of the fraud probability (objective mix)")
    weight_serious: ShareField = Field(default=Decimal("0"), description="Mix weight of the serious-fraud probability")
    weight_revenue: ShareField = Field(default=Decimal("0"), description="Mix weight of the expected recovered revenue")

    @model_validator(mode="after")
    def _consistent(self) -> SelectionDraft:
        if self.objective == "mix" and not (self.weight_frauds + self.weight_serious + self.weight_revenue):
            raise ValueError("a mix needs at least one weight above 0")
        if self.red_share + self.yellow_share > 1:
            raise ValueError("red_share + yellow_share is more than 1")
        if self.random_rate > self.red_share + self.yellow_share:
            raise ValueError("random_rate is more than the whole inspection capacity")
        if self.aeo_random_rate > self.random_rate:
            raise ValueError("aeo_random_rate must not exceed random_rate")
        return self


class SelectionRead(BaseModel):
    """A stored selection setting with the model thresholds last derived for it."""

    office: str
    direction: str
    red_share: Decimal
    yellow_share: Decimal
    random_rate: Decimal
    aeo_random_rate: Decimal
    aeo_factor: Decimal
    random_channel: str
    objective: str
    weight_frauds: Decimal
    weight_serious: Decimal
    weight_revenue: Decimal
    thresholds: dict[str, Any]
    thresholds_at: datetime | None
    updated_by: str
    updated_at: datetime


class SelectionPage(BaseModel):
    """Every selection setting."""

    items: list[SelectionRead]


class ModelRegister(Strict):
    """A model bundle directory, relative to the models directory."""

    path: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"^[A-Za-z0-9._/-]+$")]


class ModelRead(BaseModel):
    """A registered model: status, validation metrics and the features it leans on most."""

    id: int
    version: str
    path: str
    status: Literal["registered", "shadow", "promoted", "retired"]
    metrics: dict[str, Any]
    top_features: list[dict[str, Any]]
    card: dict[str, Any]
    registered_by: str
    registered_at: datetime
    changed_at: datetime


class ModelPage(BaseModel):
    """Every registered model, newest first."""

    items: list[ModelRead]


class DriftBin(BaseModel):
    """One score bin and the share of each window in it."""

    low: float
    high: float
    reference: float
    recent: float


class DriftWeek(BaseModel):
    """One week of decisions: selections, random picks and what their controls found."""

    week: date
    decisions: int
    selected: int
    random: int
    inspected: int
    hits: int
    hit_rate: float | None
    random_inspected: int
    random_hits: int
    random_hit_rate: float | None


class DriftRead(BaseModel):
    """Score distribution shift (PSI) between two windows, and the weekly hit rate."""

    office: str | None
    model_version: str | None
    reference_from: date
    reference_to: date
    reference_n: int
    recent_from: date
    recent_to: date
    recent_n: int
    psi: float | None = Field(description="Population stability index; above 0.25 is a large shift")
    bins: list[DriftBin]
    weeks: list[DriftWeek]
    outcomes_available: bool


class DecisionRead(BaseModel):
    """How a declaration's channel was chosen, as stored with it."""

    mrn: str
    engine: str
    channel: str | None
    sources: list[str]
    random_pick: bool
    aeo: bool
    score: float | None
    model_version: str | None
    shadow_score: float | None
    shadow_version: str | None
    rule_hits: list[dict[str, Any]]
    watchlist_hits: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    rule_errors: list[dict[str, Any]]
    reasons: list[str]
    decided_at: datetime | None
    degraded: str | None = Field(default=None, description="Set when the engine decided in degraded mode "
                                 "(fallback channel): model.unavailable, model.error, engine.error or timeout")
    objective: str | None = Field(default=None, description="When the model selected: what its office ranks by "
                                  "(frauds, serious, revenue or mix)")
    critical_score: float | None = Field(default=None, description="Serious-fraud probability, when the model selected")
    expected_revenue: float | None = Field(default=None, description="Expected recovered revenue in the declaration's "
                                           "currency, when the model selected")
