"""Crisis API shapes: emergency profiles and what passed under them, posts' nodes, reconciliation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clearway.body import AwareRfc3339, Count, Number

Office = Annotated[str, Field(pattern=r"^[A-Z]{2}[0-9A-Z]{2,6}$")]
Chapter = Annotated[str, Field(pattern=r"^[0-9]{2}$")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Kind = Literal["relief", "priority", "surge", "closure"]
Effect = Literal["lighter", "green_lane", "documentary", "hold", "capacity"]


class EmergencyScope(BaseModel):
    """Where and to what a profile applies: offices, HS chapters, origins (an empty list: all)."""

    model_config = ConfigDict(extra="forbid")
    offices: list[Office] = Field(default_factory=list, max_length=100)
    hs_chapters: list[Chapter] = Field(default_factory=list, max_length=99)
    origins: list[Country] = Field(default_factory=list, max_length=250)


class Notice(BaseModel):
    """The public notice in each language (English is required when the profile is public)."""

    model_config = ConfigDict(extra="forbid")
    en: str = Field(default="", max_length=600)
    es: str = Field(default="", max_length=600)
    fr: str = Field(default="", max_length=600)


class EmergencyCreate(BaseModel):
    """Declare an emergency profile; its end time is mandatory and it lifts by itself then."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    effect: Effect | None = Field(default=None, description="Default: relief/priority lighter or green lane, "
                                                            "surge reduced capacity, closure hold")
    capacity_share: Number | None = Field(default=None, ge=0, le=1, description=(
        "Surge (capacity effect): share of the model's picks still inspected (default 0.5)"))
    random_share: Number | None = Field(default=None, ge=0, le=1, description=(
        "Surge (capacity effect): share of the random compliance draws kept (default: capacity_share)"))
    duties: Literal["waived", "secured"] | None = Field(default=None, description=(
        "Relief: the duties of goods lodged under the profile are waived, or (default) must be paid or secured "
        "before release"))
    scope: EmergencyScope
    reason: str = Field(min_length=3, max_length=200)
    ends_at: AwareRfc3339
    public: bool = False
    notice: Notice | None = None


class EmergencyRead(BaseModel):
    """A profile as the API shows it."""

    id: int
    kind: str
    effect: str
    state: Literal["active", "expired", "lifted"]
    scope: EmergencyScope
    reason: str
    activated_by: str
    activated_at: datetime
    ends_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    public: bool
    notice: Notice | None


class EmergencyList(BaseModel):
    """Profiles, newest first."""

    items: list[EmergencyRead]


class DecisionRead(BaseModel):
    """A channel decision taken under a profile."""

    mrn: str
    office: str
    effect: str
    channel_before: str
    channel_after: str
    post_clearance_audit: bool
    decided_at: datetime
    status: str


class EmergencyReport(BaseModel):
    """What passed under a profile: decisions by resulting channel, audit flags, what is released now."""

    profile: EmergencyRead
    decisions: int
    by_channel: dict[str, int]
    post_clearance_audit: int
    released: int
    held: int
    recent: list[DecisionRead]


class SnapshotIssued(BaseModel):
    """A post's signed snapshot and the key the node verifies it with."""

    signed: dict[str, Any]
    centre_public_jwk: dict[str, Any]


class NodeCreate(BaseModel):
    """Register a provisioned node: its public key and the snapshot it loaded."""

    model_config = ConfigDict(extra="forbid")
    public_jwk: dict[str, Any]
    snapshot_hash: str = Field(min_length=8, max_length=80)


class NodeRead(BaseModel):
    """A post's node as the centre knows it."""

    model_config = ConfigDict(from_attributes=True)
    post: str
    snapshot_hash: str
    provisioned_at: datetime
    reconciled_at: datetime | None


class NodeList(BaseModel):
    """Every provisioned node."""

    items: list[NodeRead]


class ConflictRead(BaseModel):
    """A reconciliation task."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    subject: str
    post: str
    detail: dict[str, Any]
    state: str
    created_at: datetime


class ConflictList(BaseModel):
    """Open reconciliation tasks, oldest first."""

    items: list[ConflictRead]


class ExportBody(BaseModel):
    """A node's signed export, as `clearway crisis node export` writes it."""

    body: dict[str, Any]
    signature: str = Field(max_length=2000)


class ReconcileRead(BaseModel):
    """What one reconciliation did."""

    post: str
    linked: int
    already_linked: int
    conflicts: list[dict[str, Any]]
    mrns: dict[str, str | None]


class ReliefParty(BaseModel):
    """The sender of a relief consignment."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=70)
    country: Country


class ReliefItem(BaseModel):
    """One relief goods item: what it is, where from, how much (RKC Specific Annex J, Chapter 5)."""

    model_config = ConfigDict(extra="forbid")
    hs_code: str = Field(pattern=r"^\d{6}$")
    description: str = Field(min_length=3, max_length=200)
    origin_country: Country
    gross_mass_kg: str = Field(pattern=r"^\d{1,12}(\.\d{1,3})?$")
    packages: Count = Field(ge=1, le=1_000_000)
    value: str = Field(default="0.00", pattern=r"^\d{1,15}(\.\d{1,2})?$",
                       description="Value for statistics; donated goods may declare 0")


class ReliefCreate(BaseModel):
    """A simplified declaration of a relief consignment, accepted only while a relief profile covers it."""

    model_config = ConfigDict(extra="forbid")
    office: Office
    lrn: str = Field(pattern=r"^[A-Za-z0-9._/-]{1,35}$")
    consignee: str = Field(min_length=2, max_length=70, description="The relief organisation receiving the goods")
    consignor: ReliefParty
    transport_mode: Literal["1", "2", "3", "4", "5", "7", "8", "9"] = "4"
    means_id: str | None = Field(default=None, max_length=35)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    items: list[ReliefItem] = Field(min_length=1, max_length=50)


class ReliefRead(BaseModel):
    """A relief consignment as lodged: its MRN, where it stands, the profile it was lodged under."""

    mrn: str
    status: str
    channel: str | None
    profile: int
    post_clearance_audit: bool
