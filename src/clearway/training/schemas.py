"""Training request and response models: worlds, exercises, the trainee's queue, scores and projections."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from clearway.body import Count
from clearway.synthetic.records import FRAUD_KINDS

Reference = Annotated[str, StringConstraints(pattern=r"^TRN-[0-9]{1,6}-[0-9]{1,7}$", max_length=32)]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@-]{1,64}$")]
Cohort = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
FraudKind = Literal["undervaluation", "misclassification", "false_origin", "quantity", "prohibited"]
assert set(FRAUD_KINDS) == set(FraudKind.__args__)  # type: ignore[attr-defined]  # one list of kinds


ExerciseTitle = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
ExerciseKind = Literal["targeting", "valuation", "classification", "documentary", "rule", "release"]
PointKey = Annotated[str, StringConstraints(pattern=r"^(invoice|packing|origin)(\.[1-9])?\.[a-z_]{1,16}$",
                                            max_length=40)]
HsCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class Strict(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class WorldRead(BaseModel):
    """A cohort's training world."""

    cohort: str
    seed: int
    days: int
    per_day: int
    case_count: int
    fraud_count: int
    created_at: datetime
    reset_at: datetime


class WorldList(BaseModel):
    """Every training world."""

    items: list[WorldRead]


class ExerciseCreate(Strict):
    """An exercise: chosen cases of a cohort's world, or a sample with a number of planted frauds."""

    cohort: Cohort
    title: ExerciseTitle
    titles: dict[Literal["en", "es", "fr"], ExerciseTitle] | None = Field(
        None, description="The title in the UI's languages, shown to trainees who read that language (`title` "
                          "otherwise)")
    budget: Count = Field(ge=0, le=500, description="How many declarations a trainee may flag for inspection")
    cases: list[Reference] | None = Field(None, min_length=1, max_length=200)
    size: Count | None = Field(None, ge=1, le=200, description="Sample this many cases (instead of `cases`)")
    frauds: Count | None = Field(None, ge=0, le=200, description="How many of the sample are fraudulent")
    level: Count = Field(default=1, ge=1, le=3, description="Difficulty: 1 basic, 2 working, 3 advanced")
    kind: ExerciseKind = Field(default="targeting", description="targeting: any planted fraud within a budget; "
                               "valuation: spot the under-invoiced declarations with the reference prices; "
                               "classification: give the HS subheading of each declaration's goods from their "
                               "description (no assistant; compliant declarations only, so `frauds` is 0); "
                               "documentary: mark the discrepancies between each declaration and its invoice, "
                               "packing list and certificate of origin; "
                               "rule: write a selectivity rule that catches the planted frauds of the sample; "
                               "release: release or hold each declaration given its agency permit, duty and "
                               "control (flag: hold, clear: release; no budget)")

    @model_validator(mode="after")
    def _one_way(self) -> ExerciseCreate:
        if (self.cases is None) == (self.size is None):
            raise ValueError("give either cases or size")
        if self.size is not None and (self.frauds or 0) > self.size:
            raise ValueError("frauds cannot exceed size")
        return self


class TruthRead(BaseModel):
    """What an all-seeing inspector would know of a case (instructors, and trainees once finished)."""

    fraud: bool
    fraud_kind: str | None
    revenue_impact: str  # KRW
    concealed: str | None = None
    hs_code: str | None = None  # classification exercises: the goods' true subheading
    holding: list[str] | None = None  # release exercises: what holds the goods (agency, duty, control)


class ItemRead(BaseModel):
    """One declaration of an exercise queue as a trainee sees it (no truth until the attempt is finished)."""

    id: int
    position: int
    reference: str
    lodged_at: datetime
    declarant: str
    declarant_name: str = Field(default="", description="The declarant's name as the document gives it")
    office: str
    currency: str
    invoice_total: str
    item_count: int
    decision: str | None = None
    suspected: str | None = None
    answer: str | None = None
    truth: TruthRead | None = None


class ReferencePrice(BaseModel):
    """What compliant declarations of the training world paid for goods of one HS code, per kilogram."""

    hs_code: str
    currency: str
    per_kg: str  # the median declared value per kilogram net
    low: str  # first quartile
    high: str  # third quartile
    declarations: int


class CheckPointRead(BaseModel):
    """One value of a documentary check: where it is in the papers and what they say (the truth once finished)."""

    key: str
    document: str  # invoice | packing | origin
    field: str
    line: int | None
    declared: str
    shown: str
    marked: bool = False
    discrepant: bool | None = None  # revealed once the attempt is handed in


class ItemDetail(ItemRead):
    """An item opened for inspection: the whole document (and, in a valuation exercise, the reference prices;
    in a documentary check, its papers and their check points)."""

    document: dict[str, Any]
    reference_prices: list[ReferencePrice] = []
    papers: dict[str, Any] | None = None
    check_points: list[CheckPointRead] = []
    holds: dict[str, str] | None = Field(default=None, description="Release exercises: the agency permit, duty "
                                                                 "and control state of the declaration")


class ExerciseRead(BaseModel):
    """An exercise with its queue."""

    id: int
    cohort: str
    title: str
    titles: dict[str, str] = {}
    budget: int
    status: str
    kind: str = "targeting"
    level: int = 1
    created_by: str
    created_at: datetime
    size: int
    items: list[ItemRead] = []


class ExerciseList(BaseModel):
    """Exercises (trainees: the open ones)."""

    items: list[ExerciseRead]


class DecisionCreate(Strict):
    """A trainee's decision on one declaration: flag it for inspection (naming the suspected fraud) or clear it."""

    decision: Literal["flag", "clear"] | None = None
    suspected: FraudKind | None = None
    hs_code: HsCode | None = Field(default=None, description="Classification exercises: the subheading given")
    marks: list[PointKey] | None = Field(default=None, max_length=60,
                                         description="Documentary checks: the check points marked as discrepancies "
                                                     "(an empty list: the papers agree with the declaration)")

    @model_validator(mode="after")
    def _something(self) -> DecisionCreate:
        if self.decision is None and self.hs_code is None and self.marks is None:
            raise ValueError("give a decision, an hs_code or marks")
        return self


class RuleWrite(Strict):
    """A selectivity rule written in the risk engine's language, test-run on the exercise's declarations."""

    expression: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^[^\x00]+$")]


class RuleTestRun(BaseModel):
    """The rule's test-run on the exercise's declarations: how many it selects (hits are told on handing in)."""

    expression: str
    evaluated: int
    selected: int


class ScoreRead(BaseModel):
    """A trainee's score on one exercise, against the ground truth."""

    exercise_id: int
    kind: str = "targeting"
    trainee: str
    finished: bool
    decided: int
    size: int
    hits: int
    misses: int
    false_alarms: int
    correct_rejections: int
    kinds_named: int = Field(description="Hits where the trainee named the planted fraud")
    hit_rate: float | None
    hit_rate_ci: tuple[float, float] | None
    false_alarm_rate: float | None
    d_prime: float | None
    revenue_found: str  # KRW of the frauds flagged
    revenue_missed: str
    seconds: float | None = Field(description="From start to finish (or to the last decision)")
    seconds_per_decision: float | None
    missed: list[str] = Field(default_factory=list, description="References of the frauds missed")
    classified: int = Field(default=0, description="Classification: declarations given a subheading")
    classified_right: int = Field(default=0, description="Classification: the true subheading given")
    heading_right: int = Field(default=0, description="Classification: at least the true heading (4 digits)")
    accuracy: float | None = Field(default=None, description="Classification: right subheadings over all")
    discrepancies: int = Field(default=0, description="Documentary: discrepancies planted in the papers")
    found: int = Field(default=0, description="Documentary: discrepancies marked")
    false_marks: int = Field(default=0, description="Documentary: check points marked that agree")
    precision: float | None = Field(default=None, description="Documentary: marks that were discrepancies; "
                                    "rule: selected declarations that were frauds")
    recall: float | None = Field(default=None, description="Documentary: discrepancies that were marked; "
                                 "rule: planted frauds the rule selects")
    expression: str | None = Field(default=None, description="Rule writing: the rule handed in")


class Report(BaseModel):
    """Scores per trainee (an exercise's report, or one trainee's own)."""

    items: list[ScoreRead]


class ProjectionCreate(Strict):
    """Project a training case into an officer's live control queue (a test: it can never be released)."""

    case: Reference
    officer: Username


class ProjectionRead(BaseModel):
    """A projected declaration and, once the officer decided, the outcome."""

    id: int
    mrn: str
    case_reference: str
    officer: str
    office: str
    projected_by: str
    projected_at: datetime
    test: bool = True
    decided_at: datetime | None
    decision: str | None
    outcome: str | None
    fraud_kind: str | None = None  # revealed once decided


class ProjectionList(BaseModel):
    """Projections, newest first."""

    items: list[ProjectionRead]


class OfficerScore(BaseModel):
    """An officer's detection score on projected threats, with its 95 % Wilson interval."""

    officer: str
    projected: int
    decided: int
    hits: int
    misses: int
    false_alarms: int
    detection: float | None
    detection_ci: tuple[float, float] | None
    field_controls: int = Field(default=0, description="Real controls the officer finished (projections left out)")
    field_hits: int = Field(default=0, description="Of which found fraud")
    field_hit_rate: float | None = None
    field_hit_rate_ci: tuple[float, float] | None = None


class OfficerScores(BaseModel):
    """Detection scores per officer, and the split-half reliability across officers (None when too few)."""

    items: list[OfficerScore]
    reliability: float | None


class CertificateRead(BaseModel):
    """A certificate of a role at a level, and the exercises that earned it."""

    holder: str
    role: str
    level: int
    awarded_at: datetime
    expires_at: datetime
    valid: bool
    evidence: list[int]


class CertificateList(BaseModel):
    """Certificates, by holder, role and level."""

    items: list[CertificateRead]


GatedAction = Literal["release.red", "risk.rule_write", "risk.model_promote"]
CertifiedRole = Literal["officer", "analyst"]


class GateSet(Strict):
    """The certificate an action asks for: a role's, at this level or above."""

    role: CertifiedRole
    level: Count = Field(ge=1, le=3)


class GateRead(BaseModel):
    """A gated action."""

    action: str
    role: str
    level: int
    set_by: str
    set_at: datetime


class GateList(BaseModel):
    """The gated actions (none: certification gates nothing)."""

    items: list[GateRead]


class MyScores(BaseModel):
    """An officer's own scores: exercises attempted, and the detection score on threats projected to it."""

    exercises: list[ScoreRead]
    projections: OfficerScore | None
    certificates: list[CertificateRead] = []


Office = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[A-Z0-9]{1,6}$")]


class InjectionSet(Strict):
    """How many training cases to project into an office's live queue per day, and from which world."""

    per_day: Count = Field(ge=0, le=50, description="Projections per day into the office's queue (0 pauses)")
    cohort: Cohort


class InjectionRead(BaseModel):
    """An office's injection rate."""

    office: str
    per_day: int
    cohort: str
    set_by: str
    set_at: datetime


class InjectionList(BaseModel):
    """The configured injection rates, by office."""

    items: list[InjectionRead]


class MonthlyRow(OfficerScore):
    """One officer's month: detection on projections decided, real controls finished, exercises, certificates."""

    exercises_finished: int
    exercise_hit_rate: float | None  # hits over planted frauds, across the month's handed-in exercises
    certificates_awarded: list[str]  # "role level"


class MonthlyReport(BaseModel):
    """A supervisor's monthly training report of one office."""

    office: str
    month: str  # YYYY-MM
    officers: list[MonthlyRow]
    total: OfficerScore
    reliability: float | None
