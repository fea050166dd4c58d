"""Request and response shapes of the controls API: bounded, money as strings, times in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from clearway.body import AwareRfc3339, Count
from clearway.declarations.schemas import Code2, DecimalStr, Strict

Reason = Annotated[str, StringConstraints(min_length=3, max_length=500)]
Note = Annotated[str, StringConstraints(max_length=2000)]
HsCode = Annotated[str, StringConstraints(pattern=r"^\d{6}(\d{2}){0,2}$")]
Username = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
Section = Annotated[str, StringConstraints(pattern=r"^[IVX]{1,5}$")]
TaskKind = Literal["documentary", "physical"]
TaskStatus = Literal["open", "in_progress", "awaiting_documents", "done"]
Discrepancy = Literal["value", "classification", "origin", "quantity", "description", "prohibited", "concealment"]


class ReasonBody(Strict):
    """Why: every decision on a declaration carries a reason (audited)."""

    reason: Reason


class NoteBody(Strict):
    """An optional note closing a step."""

    note: Note | None = None


class AssignBody(Strict):
    """Give a task to another examiner, and why."""

    username: Username
    reason: Reason


class RerouteBody(Strict):
    """Move a declaration to another channel, and why."""

    channel: Literal["red", "green"]
    reason: Reason


class ExaminerBody(Strict):
    """An officer's HS sections (empty: all), supervisor flag and availability."""

    sections: list[Section] = Field(default_factory=list, max_length=21)
    supervisor: bool = False
    active: bool = True


class WantedDocument(Strict):
    """One document asked of the trader."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,35}$")] = Field(
        description="Document code, e.g. a UN/EDIFACT 1001 code or a licence type (N935 invoice ...)")
    description: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class DocumentRequestCreate(Strict):
    """Documents wanted from the trader and by when."""

    documents: list[WantedDocument] = Field(min_length=1, max_length=20)
    due_at: AwareRfc3339
    message: Note | None = None


class ScheduleBody(Strict):
    """When and where the goods will be examined."""

    at: AwareRfc3339
    place: Annotated[str, StringConstraints(min_length=2, max_length=200)]


class Corrected(Strict):
    """Corrected values of an item: each only with the discrepancy kind it belongs to."""

    value: DecimalStr | None = None
    hs_code: HsCode | None = None
    origin_country: Code2 | None = None
    quantity: DecimalStr | None = None


class FindingBody(Strict):
    """The finding on one item: compliant, or a discrepancy with corrections, seizure, photos and a note."""

    result: Literal["compliant", "discrepancy"]
    kind: Discrepancy | None = None
    corrected: Corrected = Field(default_factory=Corrected)
    seized_quantity: DecimalStr | None = None
    seized_unit: Annotated[str, StringConstraints(min_length=2, max_length=3)] | None = None
    note: Note | None = None
    photo_ids: list[Annotated[Count, Field(ge=1, le=2**31 - 1)]] = Field(default_factory=list, max_length=50)


class QueueItem(BaseModel):
    """One task in an office's queue, with the risk reasons that put it there."""

    id: int
    mrn: str
    kind: TaskKind
    status: TaskStatus
    channel: str | None
    priority: int = Field(description="Risk points 0-1000; higher is examined first")
    weight: str = Field(description="Workload units (per declaration and per item)")
    section: str
    assignee: str | None
    waiting_since: datetime
    random_pick: bool
    declarant_id: str
    item_count: int
    reasons: list[dict[str, Any]]


class QueuePage(BaseModel):
    """A page of the queue and the cursor of the next one."""

    items: list[QueueItem]
    next_cursor: str | None


class FileRead(BaseModel):
    """A stored file (its bytes come from /controls/files/{id})."""

    id: int
    purpose: str
    document_code: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class DocumentRequestRead(BaseModel):
    """A request for documents and its answer."""

    id: int
    task_id: int
    mrn: str
    documents: list[WantedDocument]
    message: str | None
    due_at: datetime
    status: Literal["open", "answered"]
    requested_at: datetime
    answered_at: datetime | None
    answer_note: str | None
    files: list[FileRead]


class FindingRead(BaseModel):
    """A recorded finding."""

    item: int
    result: str
    kind: str | None
    corrected: dict[str, Any]
    seized_quantity: str | None
    seized_unit: str | None
    note: str | None
    photo_ids: list[int]
    recorded_by: str
    recorded_at: datetime


class AdjustmentRead(BaseModel):
    """Duty owed after findings, with the figures it was computed from."""

    id: int
    task_id: int
    currency: str
    declared_duty: str
    corrected_duty: str
    difference: str
    penalty: str
    total: str
    method: str
    basis: list[dict[str, Any]]
    final: bool


class CaseRead(BaseModel):
    """An enforcement case opened on a seizure."""

    reference: str
    task_id: int
    seized: list[dict[str, Any]]
    status: str
    opened_at: datetime


class BlockerRead(BaseModel):
    """One reason release must wait."""

    code: str
    message: str
    params: dict[str, Any]


class TaskRead(BaseModel):
    """A control task with everything the examiner needs on one page."""

    id: int
    kind: TaskKind
    status: TaskStatus
    office: str
    section: str
    priority: int
    weight: str
    assignee: str | None
    random_pick: bool
    created_at: datetime
    scheduled_for: datetime | None
    place: str | None
    goods_available_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    result: str | None
    fraud_found: bool | None
    revenue_raised: str | None
    currency: str | None = Field(None, description="ISO 4217 code of revenue_raised (the assessment's currency when "
                                                  "the findings were billed by the tariff)")
    mrn: str
    declaration_status: str
    channel: str | None
    reasons: list[dict[str, Any]]
    items: list[dict[str, Any]]
    requests: list[DocumentRequestRead]
    photos: list[FileRead]
    findings: list[FindingRead]
    adjustments: list[AdjustmentRead]
    cases: list[CaseRead]
    blockers: list[BlockerRead]


class DeclarationControlRead(BaseModel):
    """A declaration's state after a control decision, and what still blocks its release."""

    mrn: str
    status: str
    channel: str | None
    blockers: list[BlockerRead]


class ExaminerRead(BaseModel):
    """An examiner record."""

    username: str
    office: str
    sections: list[str]
    supervisor: bool
    active: bool


class WorkloadRow(ExaminerRead):
    """An examiner's open tasks and their weight."""

    tasks: int
    weight: str


class WorkloadRead(BaseModel):
    """The office's open work by examiner, and what nobody holds yet."""

    office: str
    examiners: list[WorkloadRow]
    unassigned_tasks: int
    unassigned_weight: str


class OutcomeRead(BaseModel):
    """A finished control as a label for the risk engine."""

    task_id: int
    mrn: str
    kind: str
    office: str
    finished_at: datetime
    fraud_found: bool
    revenue_raised: str
    currency: str
    random_pick: bool
    rule_ids: list[str]
    model_version: str | None


class HitRateRead(BaseModel):
    """Hit rate of the controls selected by one rule or model version."""

    key: str
    random_pick: bool
    controls: int
    hits: int
    rate: float
    revenue: str
