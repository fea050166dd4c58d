"""Agency profiles: one JSON file per agency, validated here; loading one makes the agency live.

A profile says what the agency regulates (competence), which licences, permits, certificates and
other documents (LPCO) it issues, its decision codes, its service-level target, which declaration
fields it may see and how it is reached (its users in Clearway, or its own system). Pure: no database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SHIPPED = Path(__file__).with_name("profiles")
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
LpcoCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,15}$")]
HsPrefix = Annotated[str, StringConstraints(pattern=r"^\d{2}(\d{2}){0,4}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Regime = Literal["IM", "EX", "TR"]
Decision = Literal["release", "refuse", "conditions", "sample", "joint_inspection"]
DECISIONS: tuple[Decision, ...] = ("release", "refuse", "conditions", "sample", "joint_inspection")
FINAL = ("release", "refuse", "conditions")  # sample and joint inspection are steps towards one of these
VISIBLE = ("hs_code", "description", "origin_country", "net_mass_kg", "quantity", "value", "packages",
           "importer", "exporter", "seller", "transport")


class Strict(BaseModel):
    """Unknown keys in a profile are an error: a typo must not silently widen or narrow a competence."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Competence(Strict):
    """Goods an agency regulates: HS prefixes, optionally narrowed to origins, regimes and end uses."""

    hs: list[HsPrefix] = Field(min_length=1, max_length=500)
    origins: list[Country] = Field(default_factory=list, description="empty: every origin")
    regimes: list[Regime] = Field(default_factory=lambda: list[Regime](["IM"]))
    end_uses: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list, description="empty: every end use")
    refer: bool = Field(True, description="each matching item is referred to the agency at lodgement")
    lpco: LpcoCode | None = Field(None, description="an LPCO of this agency every matching item must cite")


class Lpco(Strict):
    """A licence, permit, certificate or other document the agency issues."""

    code: LpcoCode
    kind: Literal["licence", "permit", "certificate", "other"]
    name: Annotated[str, StringConstraints(min_length=3, max_length=120)]
    balance: Literal["quantity", "value", "both", "none"] = "quantity"
    max_validity_days: int = Field(365, ge=1, le=3650)


class Reach(Strict):
    """How the agency is reached: its users in Clearway, or its own system (signed webhook, decision API)."""

    kind: Literal["users", "system"]
    organisation: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,17}$")]
    webhook_url: Annotated[str, StringConstraints(pattern=r"^https://", max_length=500)] | None = None
    fallback: Literal["hold", "release_flagged"] = Field(
        "hold", description="what happens when its system does not answer by the due time")

    @model_validator(mode="after")
    def _system_has_webhook(self) -> Reach:
        if self.kind == "system" and not self.webhook_url:
            raise ValueError("an agency reached by its own system needs a webhook_url")
        return self


class AgencyProfile(Strict):
    """One partner agency, as configuration."""

    code: Code
    name: Annotated[str, StringConstraints(min_length=3, max_length=160)]
    competence: list[Competence] = Field(min_length=1, max_length=100)
    tariff_agency: Code | None = Field(None, description="the agency code the tariff's restrictions use")
    lpco: list[Lpco] = Field(default_factory=list, max_length=50)
    decisions: list[Decision] = Field(default_factory=lambda: list[Decision](DECISIONS), min_length=2)
    service_level_minutes: int = Field(ge=1, le=60 * 24 * 30)
    sees: list[Literal["hs_code", "description", "origin_country", "net_mass_kg", "quantity", "value",
                       "packages", "importer", "exporter", "seller", "transport"]] = Field(min_length=1)
    reach: Reach

    @model_validator(mode="after")
    def _consistent(self) -> AgencyProfile:
        codes = [x.code for x in self.lpco]
        if len(set(codes)) != len(codes):
            raise ValueError("LPCO codes must be unique")
        for c in self.competence:
            if c.lpco is not None and c.lpco not in codes:
                raise ValueError(f"competence cites unknown LPCO {c.lpco}")
        if "release" not in self.decisions or "refuse" not in self.decisions:
            raise ValueError("an agency must be able to release and to refuse")
        if "hs_code" not in self.sees:
            raise ValueError("an agency must see the HS code of what is referred to it")
        return self

    def lpco_of(self, code: str) -> Lpco | None:
        """The LPCO of this agency with the code, if any."""
        return next((x for x in self.lpco if x.code == code), None)


def profile_parse(text: str, *, source: str = "<text>") -> AgencyProfile:
    """A profile from its JSON text (pydantic ValidationError or ValueError when it is not valid)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return AgencyProfile.model_validate(data)


def profiles_read(directory: Path) -> list[AgencyProfile]:
    """Every `*.json` profile of a directory, in name order; one invalid file refuses them all."""
    found = [profile_parse(p.read_text("utf-8"), source=str(p)) for p in sorted(directory.glob("*.json"))]
    codes = [p.code for p in found]
    if len(set(codes)) != len(codes):
        raise ValueError("two profiles share an agency code")
    return found


def profile_schema() -> dict[str, object]:
    """The JSON Schema of a profile (published for agencies writing theirs)."""
    return AgencyProfile.model_json_schema()
