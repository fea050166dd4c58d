"""Classification API shapes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.body import Count

Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
DeclaredCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}(\.?\d{2}){0,3}$")]


class SuggestRequest(BaseModel):
    """A goods description as a trader writes it (English, Spanish or French), and optionally the declared code."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"description": "men's cotton t-shirts crew neck", "limit": 5},
        {"description": "camarón vannamei congelado 16/20", "hs_code": "160521"},
    ]})

    description: Description
    limit: Count = Field(5, ge=1, le=20, description="How many HS6 codes to propose")
    hs_code: DeclaredCode | None = Field(None, description="The code to be declared, checked against the text")


class LineRead(BaseModel):
    """A national tariff line under a proposed HS6 code, with its duty in force today."""

    code: str
    description: str
    duty: str | None


class LegalNoteRead(BaseModel):
    """A legal note of HS 2022 that the code's official text cites (the note's own text is not shipped)."""

    kind: str = Field(description="chapter: a note to the chapter; subheading: a subheading note of the chapter")
    number: str = Field(examples=["2", "11(C)"])
    chapter: str
    label: str = Field(description="The note named in the caller's language, e.g. Subheading Note 2 to Chapter 17")
    cited_by: str = Field(description="The heading or subheading whose official text cites the note")
    citation: str = Field(description="The official (English) words that cite the note")


class SuggestionRead(BaseModel):
    """One proposed HS6 code, with its official text, confidence and why it was proposed."""

    hs6: str
    description: str
    heading: str
    heading_description: str
    chapter_description: str
    section: str = Field(description="HS section (Roman numeral) the code falls in")
    section_title: str
    legal_notes: list[LegalNoteRead] = Field(
        description="Notes the official texts of the code and its heading cite: the code's scope depends on them")
    confidence: float = Field(ge=0, le=1)
    score: float
    matched_terms: list[str]
    nearest: list[str] = Field(description="Known descriptions (past declarations, rulings, examples) of this code")
    lines: list[LineRead]


class WarningRead(BaseModel):
    """The declared code looks far from what the description says, or a lower-duty neighbour was chosen."""

    code: str
    message: str
    distance: float | None
    declared_rank: int | None
    best_hs6: str | None


class RulingRead(BaseModel):
    """An issued classification ruling similar to the description (customs see all; a trader its own)."""

    reference: str
    goods_description: str
    hs_code: str
    similarity: float = Field(ge=0, le=1)


class SuggestResponse(BaseModel):
    """Ranked HS6 codes, best first, warnings about the declared code, and similar past rulings."""

    model_version: str
    suggestions: list[SuggestionRead]
    warnings: list[WarningRead]
    rulings: list[RulingRead] = Field(default_factory=list)


class NodeRead(BaseModel):
    """A node of the HS 2022 tree: a chapter, heading or subheading with its children."""

    code: str
    description: str
    level: int
    children: list[tuple[str, str]]


class ModelVersionRead(BaseModel):
    """A registered classifier version: registered (not in force), active, retired or rolled back."""

    version: str
    status: str
    registered_at: str
    registered_by: str
    promoted_at: str | None
    promoted_by: str | None
    trained: dict[str, object]
    metrics: dict[str, object] = Field(
        default_factory=dict, description="Top-1/top-5 HS6 and top-1 HS4 on the shipped trader-style examples held "
                                          "out (overall and by_lang), computed when the version was fitted")


class ModelVersionPage(BaseModel):
    """The version in force (a registered one, or the shipped bundle's) and every registered version."""

    in_force: str
    in_force_metrics: dict[str, object] = Field(default_factory=dict)
    items: list[ModelVersionRead]
