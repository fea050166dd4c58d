"""Who may use enforcement: risk analysts (read and write) and the financial intelligence unit (reads what
was referred to it). Traders, officers, other agencies and anyone unknown are refused (fail closed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from clearway.auth.schemas import Principal
from clearway.deps import CurrentUser, roles
from clearway.errors import Forbidden, Problem

FIU_ORGANISATIONS = frozenset({"KRKOFIU"})  # organisations acting as the financial intelligence unit


def is_fiu(actor: Principal) -> bool:
    """True for a user of the financial intelligence unit (an agency user of an FIU organisation)."""
    return actor.role == "agency" and actor.organisation_code in FIU_ORGANISATIONS


async def reader(principal: CurrentUser) -> Principal:
    """Analysts and the FIU; everyone else 403."""
    if principal.role == "analyst" or is_fiu(principal):
        return principal
    raise Forbidden([Problem("auth.role_forbidden", "", {"role": principal.role})])


Reader = Annotated[Principal, Depends(reader)]
Analyst = Annotated[Principal, Depends(roles("analyst"))]
