"""Why goods may not go: the hold every domain reports to the one release decision in `clearance/`.

A domain that can hold goods (duty, controls, agencies, permits, intelligence, emergency rules...)
offers a provider: a function `(db, declaration) -> Iterable[Hold]`. The providers are listed once
in the wiring (`clearway.assembly`) and the release decision asks every one of them; a provider that
cannot tell (missing data, an error) answers with a hold, never with silence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clearway.i18n import translate

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from clearway.declarations.models import Declaration


@dataclass(frozen=True)
class Hold:
    """One reason the goods are held, and who must act next.

    `code` is stable (e.g. "duty.unpaid", "control.open", "agency.pending"); its message is the
    catalogue entry "hold.<code>" formatted with `params`. `party` names who must act: "trader",
    "customs", or "agency:<code>".
    """

    code: str
    party: str
    params: Mapping[str, str] = field(default_factory=dict)

    def text(self, locale: str) -> str:
        """The reason in the reader's language."""
        return translate(f"hold.{self.code}", locale, **self.params)

    def as_json(self, locale: str) -> dict[str, Any]:
        """The hold as the API shows it."""
        return {"code": self.code, "party": self.party, "params": dict(self.params), "reason": self.text(locale)}


HoldProvider = Callable[["Session", "Declaration"], Iterable[Hold]]
