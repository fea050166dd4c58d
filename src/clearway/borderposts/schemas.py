"""API shapes of the border-post domain: times are UTC RFC 3339, durations in hours, hours as OSM rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from clearway.body import AwareRfc3339, Count, Number, Rfc3339

CODE = r"^[A-Z0-9][A-Z0-9-]{1,11}$"
TEXT = r"^[^\x00-\x1f\x7f]*$"
Agency = Field("customs", min_length=2, max_length=16, pattern=r"^[a-z][a-z0-9-]*$")


def _in_range(moment: datetime) -> datetime:
    # Hours and crossings are computed in epoch seconds: keep instants where every zone's offset still fits.
    if not 1971 <= moment.year <= 2100:
        raise ValueError("a time between 1971 and 2100")
    return moment


Instant = Annotated[AwareRfc3339, AfterValidator(_in_range)]
LocalTime = Annotated[Rfc3339, AfterValidator(_in_range)]


class Strict(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class PostCreate(Strict):
    """A post on our side or the partner's."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=120, pattern=TEXT)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    timezone: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+/-]+$",
                          description="IANA time zone, e.g. Asia/Almaty")
    holiday_country: str | None = Field(None, pattern=r"^[A-Z]{2,3}$",
                                        description="Public-holiday calendar (holidays library country code): "
                                                    "the post is closed on its holidays; none if it stays open")
    side: Literal["ours", "partner"]
    lanes: Count = Field(1, ge=1, le=200)


class PostRead(BaseModel):
    """A post."""

    code: str
    name: str
    country: str
    timezone: str
    holiday_country: str | None
    side: str
    lanes: int


class PairCreate(Strict):
    """Two facing posts."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=120, pattern=TEXT)
    ours: str = Field(pattern=CODE)
    partner: str = Field(pattern=CODE)
    service_s: Count = Field(1800, ge=60, le=86_400, description="Standard processing time of one truck")
    alert_share: Number = Field(0.1, gt=0, lt=1, description="Alert when a change cuts joint open time by more")


class HoursCreate(Strict):
    """A post's weekly hours for one agency and traffic type, from a date on."""

    agency: str = Agency
    traffic: Literal["cargo", "passengers", "freight"] = "cargo"
    rule: str = Field(min_length=1, max_length=400, pattern=TEXT,
                      description="OpenStreetMap opening_hours, e.g. 'Mo-Fr 09:00-18:00; Sa 09:00-13:00'")
    valid_from: Instant
    source: Literal["local", "partner-file", "exchange"] = "local"


class ExceptionCreate(Strict):
    """A dated closure or extension in the post's local wall-clock time (no offset)."""

    kind: Literal["closure", "extended"]
    starts_local: LocalTime
    ends_local: LocalTime
    reason: str = Field(min_length=1, max_length=200, pattern=TEXT)


class AlertRead(BaseModel):
    """A change that cut a pair's joint open time by more than its share."""

    pair: str
    raised_at: datetime
    cause: str
    joint_before_h: float
    joint_after_h: float
    cut_share: float


class HoursRecorded(BaseModel):
    """What recording hours or an exception did: the alerts it raised."""

    post: str
    alerts: list[AlertRead]


class CrossingEventCreate(Strict):
    """An event of a crossing: arrival at the first post, exit from it, entry at the second."""

    pair: str = Field(pattern=CODE)
    reference: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9 ./-]+$")
    direction: Literal["out", "in"]
    kind: Literal["arrived", "exited", "entered"]
    at: Instant
    source: Literal["gate", "officer", "partner"] = "gate"


class CrossingRead(BaseModel):
    """A crossing's times so far (UTC)."""

    pair: str
    reference: str
    direction: str
    arrived: datetime | None
    exited: datetime | None
    entered: datetime | None


class HoursImportRow(Strict):
    """One row of a partner's hours file."""

    post_code: str = Field(pattern=CODE)
    agency: str = Agency
    traffic: Literal["cargo", "passengers", "freight"] = "cargo"
    rule: str = Field(min_length=1, max_length=400, pattern=TEXT)
    valid_from: Instant


class HoursImport(Strict):
    """A partner's hours, all rows or none."""

    source: Literal["partner-file", "exchange"] = "partner-file"
    rows: list[HoursImportRow] = Field(min_length=1, max_length=1000)


class ImportRead(BaseModel):
    """How many rows were recorded."""

    recorded: int


class PairSummary(BaseModel):
    """A pair and its coming week: joint open hours, each side's hours alone, alignment."""

    code: str
    name: str
    ours: PostRead
    partner: PostRead
    joint_h: float = Field(description="Hours both posts are open over the next 7 days")
    ours_only_h: float = Field(description="Hours we are open while the partner is closed")
    partner_only_h: float = Field(description="Hours the partner is open while we are closed")
    alignment: float | None = Field(description="Joint time over the time either side is open")


class Span(BaseModel):
    """A UTC interval."""

    start: datetime
    end: datetime


class WindowsRead(BaseModel):
    """Joint windows and gaps of a pair over a period (UTC), and weekly figures."""

    pair: str
    date_from: date
    date_to: date
    joint_h_per_week: float
    ours_only_h_per_week: float
    partner_only_h_per_week: float
    alignment: float | None
    joint: list[Span]
    ours_only: list[Span]
    partner_only: list[Span]


class DailyShareRead(BaseModel):
    """One day and direction: crossings, mean dwell, waiting by cause, closure share of waiting."""

    day: date
    direction: str
    crossings: int
    mean_dwell_h: float
    waiting_h: float
    ours_closed_h: float
    partner_closed_h: float
    closure_share: float | None


class ClosureShareRead(BaseModel):
    """The dwell split of a pair's crossings over a period."""

    pair: str
    crossings: int
    processing_h: float
    waiting_open_h: float
    waiting_ours_closed_h: float
    waiting_partner_closed_h: float
    closure_share: float | None
    days: list[DailyShareRead]


class StudyRead(BaseModel):
    """The newest what-if study of a pair (fit, back-test, scenarios, proposal)."""

    pair: str
    available: bool
    created_at: datetime | None = None
    result: dict[str, Any] | None = None
