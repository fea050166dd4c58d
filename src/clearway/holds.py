"""Why goods may not go: the hold every domain reports to the one release decision in `clearance/`.

A domain that can hold goods (duty, controls, agencies, permits, intelligence, emergency rules...)
offers a provider: a function `(db, declaration) -> Iterable[Hold]`. The providers are listed once
in the wiring (`clearway.assembly`) and the release decision asks every one of them; a provider that
cannot tell (missing data, an error) answers with a hold, never with silence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from clearway.i18n import catalogue, translate

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from clearway.auth.schemas import Principal
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
        """The reason in the reader's language; a parameter that is a code (a control's kind, a channel, a
        status) is shown by its label "hold.param.<name>.<value>" where the catalogues have one."""
        params = {name: translate(key, locale) if (key := f"hold.param.{name}.{value}") in catalogue(locale)
                  else value for name, value in self.params.items()}
        return translate(f"hold.{self.code}", locale, **params)

    def as_json(self, locale: str) -> dict[str, Any]:
        """The hold as the API shows it."""
        return {"code": self.code, "party": self.party, "params": dict(self.params), "reason": self.text(locale)}


HoldProvider = Callable[["Session", "Declaration"], Iterable[Hold]]


@dataclass(frozen=True)
class Waiver:
    """A measure in force that lifts some holds of one declaration (a relief profile waiving its duties).

    `lifts` lists the hold codes it lifts; `code` and `params` say what waived them, for the release event.
    """

    lifts: frozenset[str]
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


WaiverProvider = Callable[["Session", "Declaration"], Iterable[Waiver]]


@dataclass(frozen=True)
class Lodged:
    """What the lodging flow knows of a declaration it has just written: its channel and its bill.

    A provider may offer `at_lodging(declaration, lodged)`: the same answer it would read from the
    database, from these facts alone (nothing else can have been written in the lodging transaction).
    A test holds each such answer equal to the provider's own.
    """

    channel: str
    bill: Any  # clearway.tariff.lodging.Bill (typed loosely: this module stays import-light)


def lodging_answer(provider: HoldProvider) -> Callable[[Declaration, Lodged], list[Hold]] | None:
    """The provider's answer from the lodging facts, if it has one."""
    return getattr(provider, "at_lodging", None)


class Release(Protocol):
    """The one release decision, as the wiring hands it to the routers and services that may release.

    Its implementation is `clearway.clearance.release.ReleaseDecision`; domains below the clearance
    flow receive it as an argument and never import it.
    """

    def holds(self, db: Session, declaration: Declaration) -> list[Hold]:
        """Every reason the goods are held now (empty when they may go)."""
        ...

    def decide(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
               now: datetime) -> Declaration:
        """Release the goods, or raise ReleaseHeld (409) listing every hold."""
        ...

    def attempt(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
                now: datetime, code: str | None = None, params: dict[str, Any] | None = None) -> bool:
        """Release the goods if nothing holds them (after a control, a payment...); True when released."""
        ...

    def release_or_holds(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
                         now: datetime, code: str | None = None, params: dict[str, Any] | None = None) -> list[Hold]:
        """Release the goods if nothing holds them and return []; else return what holds them."""
        ...

    def clear(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
              now: datetime) -> Declaration:
        """Clear released goods once their duties are final, or raise ReleaseHeld listing what is not final."""
        ...
