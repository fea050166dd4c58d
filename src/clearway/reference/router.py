"""Reference data lookups: offices, countries, currencies, HS codes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from clearway.deps import CurrentUser, Locale
from clearway.errors import NotFound, Problem
from clearway.openapi_docs import PROBLEMS
from clearway.reference import service as ref

router = APIRouter(prefix="/reference", tags=["reference"])


class CodeName(BaseModel):
    """A code and its name in the caller's language."""

    code: str
    name: str


class HsRead(BaseModel):
    """An HS code in the edition valid on a date."""

    code: str
    level: int
    parent: str
    description: str
    edition: str


@router.get("/offices", operation_id="listOffices", responses=PROBLEMS)
def offices(_: CurrentUser) -> list[CodeName]:
    """Customs offices."""
    return [CodeName(code=o.code, name=o.name) for o in ref.offices().values()]


@router.get("/countries", operation_id="listCountries", responses=PROBLEMS)
def countries(_: CurrentUser, locale: Locale) -> list[CodeName]:
    """ISO 3166-1 countries with names in the caller's language."""
    return [CodeName(code=c, name=ref.country_name(c, locale)) for c in ref.countries()]


@router.get("/hs/{code}", operation_id="readHsCode", responses=PROBLEMS)
def hs_code(
    code: Annotated[str, Path(min_length=2, max_length=6, pattern=r"^\d+$")],
    _: CurrentUser,
    on: Annotated[date | None, Query()] = None,
) -> HsRead:
    """An HS chapter, heading or subheading in the edition valid on a date (default today)."""
    day = on or date.today()
    edition = ref.hs_edition_on(day)
    entry = edition.codes.get(code) if edition else None
    if edition is None or entry is None:
        raise NotFound([Problem("hs_code.unknown", "", {"value": code[:12], "parameter": "code",
                                                         "edition": edition.name if edition else "-",
                                                         "date": day.isoformat()})])
    return HsRead(code=code, level=entry[0], parent=entry[1], description=entry[2], edition=edition.name)
