"""What the clearance API answers beyond a declaration: the holds on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field

from clearway.declarations.models import Declaration
from clearway.holds import Hold


class HoldRead(BaseModel):
    """One reason the goods are held, in the reader's language, and who must act."""

    code: Annotated[str, Field(max_length=64, description="Stable code, e.g. duty.unpaid, control.open")]
    party: Annotated[str, Field(max_length=64, description="Who must act: trader, customs, or agency:<code>")]
    reason: Annotated[str, Field(max_length=500)]
    params: dict[str, str]


class HoldList(BaseModel):
    """Every hold on a declaration; `releasable` is true when nothing holds it."""

    mrn: str
    status: str
    releasable: bool
    holds: list[HoldRead]

    @classmethod
    def of(cls, declaration: Declaration, holds: Sequence[Hold], locale: str) -> HoldList:
        """The list for a declaration's current holds."""
        return cls(mrn=declaration.mrn, status=declaration.status,
                   releasable=not holds and declaration.status not in ("released", "cleared", "cancelled", "rejected"),
                   holds=[HoldRead(code=h.code, party=h.party, reason=h.text(locale),
                                   params={k: str(v) for k, v in h.params.items()}) for h in holds])
