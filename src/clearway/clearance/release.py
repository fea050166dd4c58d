"""The one release decision: every reason the goods are held, from every domain, and nothing else.

Each domain that can hold goods contributes a provider (see `clearway.holds`); the wiring lists
them. `ReleaseDecision` is what every path that releases calls: an officer's decision, the
automatic release of a green lodgement, a payment or guarantee, the end of a control, an
amendment, the worker. It fails closed: a provider that raises holds the goods too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.declarations.lifecycle import RELEASABLE, declaration_note, declaration_transition
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, Problem, ReleaseHeld
from clearway.holds import Hold, HoldProvider, Lodged, Waiver, WaiverProvider, lodging_answer

log = logging.getLogger("clearway.clearance")
DONE = ("released", "cleared")  # nothing holds goods that are gone


def provider_name(provider: HoldProvider | WaiverProvider) -> str:
    """A provider's name as logs and the 'provider failed' hold show it."""
    return f"{getattr(provider, '__module__', '?')}.{getattr(provider, '__qualname__', repr(provider))}"


def holds_of(*, db: Session, declaration: Declaration, providers: Sequence[HoldProvider]) -> list[Hold]:
    """Every reason the goods may not go now; a provider that cannot tell says so with a hold."""
    if declaration.status in DONE:
        return []
    if declaration.status not in RELEASABLE:
        return [Hold("declaration.not_releasable", "customs", {"status": declaration.status})]
    return asked(db=db, declaration=declaration, providers=providers)


def asked(*, db: Session, declaration: Declaration, providers: Sequence[HoldProvider]) -> list[Hold]:
    """What each provider answers; one that raises answers with a hold (fail closed)."""
    found: list[Hold] = []
    for provider in providers:
        try:
            found.extend(provider(db, declaration))
        except SQLAlchemyError:
            # The database failed under the question: the transaction is lost, so the whole write fails (nothing
            # stored, nothing released) rather than go on on a dead connection.
            raise
        except Exception:  # an unanswered question holds the goods
            log.exception("hold provider %s failed for %s", provider_name(provider), declaration.mrn)
            found.append(Hold("release.provider_failed", "customs", {"provider": provider_name(provider)}))
    return found


def waived(*, db: Session, declaration: Declaration, holds: Sequence[Hold],
           waivers: Sequence[WaiverProvider]) -> tuple[list[Hold], list[Waiver]]:
    """The holds no waiver in force lifts, and the waivers that lifted some; a waiver provider that raises lifts
    nothing (fail closed: the goods stay held)."""
    left, used = list(holds), list[Waiver]()
    if not left:
        return left, used  # nothing to lift: the waivers are not asked
    for provider in waivers:
        try:
            found = list(provider(db, declaration))
        except SQLAlchemyError:
            raise  # as for a provider: the transaction is lost, the write fails as a whole
        except Exception:
            log.exception("waiver provider %s failed for %s", provider_name(provider), declaration.mrn)
            continue
        for waiver in found:
            lifted = frozenset(h.code for h in left if h.code in waiver.lifts)
            if lifted:
                left = [h for h in left if h.code not in lifted]
                used.append(replace(waiver, lifts=lifted))  # what it lifted here, for the release event
    return left, used


def waived_release(db: Session, declaration: Declaration, actor: Principal, waivers: Sequence[Waiver],
                   now: datetime, code: str | None = None, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Put each waiver that lets the goods go on the timeline; the release event's code and params, naming them."""
    for waiver in waivers:  # the timeline says which measure let the goods go although a hold was due
        declaration_note(db=db, actor=actor, declaration=declaration, kind="waived", now=now,
                         reason=f"{waiver.code}: {', '.join(sorted(waiver.lifts))} waived", code=waiver.code,
                         params={**waiver.params, "holds": ", ".join(sorted(waiver.lifts))})
    if waivers:  # and the release event too, for readers of the release alone
        params = {**(params or {}), "waived": ",".join(sorted({c for w in waivers for c in w.lifts})),
                  "waived_by": ";".join(f"{w.code}:{','.join(f'{k}={v}' for k, v in w.params.items())}"
                                        for w in waivers)}
    return {"code": code, "params": params}


def held_problem(holds: Sequence[Hold]) -> ReleaseHeld:
    """The 409 problem listing every hold, with who must act."""
    return ReleaseHeld([Problem(f"hold.{h.code}", "", {**h.params, "party": h.party}) for h in holds])


@dataclass(frozen=True)
class ReleaseDecision:
    """The release decision over a fixed list of providers (built once, in the wiring)."""

    providers: tuple[HoldProvider, ...]
    finality: tuple[HoldProvider, ...] = ()  # reasons the duties are not final yet (clearance waits for them)
    # Measures in force that lift some holds of a declaration (a relief profile waiving duties, RKC J5).
    waivers: tuple[WaiverProvider, ...] = ()

    def holds(self, db: Session, declaration: Declaration) -> list[Hold]:
        """Every reason the goods are held now (empty when they may go)."""
        return self.holds_waived(db, declaration)[0]

    def holds_waived(self, db: Session, declaration: Declaration,
                     lodged: Lodged | None = None) -> tuple[list[Hold], list[Waiver]]:
        """What holds the goods once the waivers in force are applied, and the waivers that lifted a hold."""
        found = holds_of(db=db, declaration=declaration, providers=self.providers) if lodged is None \
            else self.holds_at_lodging(db, declaration, lodged)
        return waived(db=db, declaration=declaration, holds=found, waivers=self.waivers)

    def decide(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
               now: datetime) -> Declaration:
        """Release the goods, or raise ReleaseHeld (409) listing every hold."""
        if declaration.status in DONE or declaration.status not in RELEASABLE:
            raise Conflict([Problem("declaration.transition_invalid", "/status",
                                    {"from": declaration.status, "to": "released"})])
        holds, waivers = self.holds_waived(db, declaration)
        if holds:
            raise held_problem(holds)
        return declaration_transition(db=db, actor=actor, declaration=declaration, target="released",
                                      reason=reason, now=now, **waived_release(db, declaration, actor, waivers, now))

    def holds_at_lodging(self, db: Session, declaration: Declaration, lodged: Lodged) -> list[Hold]:
        """Every reason the goods are held, for a declaration the lodging flow has just written: providers
        that can answer from the lodging facts do so without reading them back; the others are asked."""
        if declaration.status not in RELEASABLE:
            return holds_of(db=db, declaration=declaration, providers=self.providers)
        found: list[Hold] = []
        for provider in self.providers:
            answer = lodging_answer(provider)
            if answer is None:
                found += asked(db=db, declaration=declaration, providers=(provider,))
                continue
            try:
                found += answer(declaration, lodged)
            except SQLAlchemyError:
                raise  # as for a provider asked: the lodging's transaction is lost, the lodging fails as a whole
            except Exception:  # fail closed, as for a provider asked
                log.exception("lodging answer of %s failed for %s", provider_name(provider), declaration.mrn)
                found.append(Hold("release.provider_failed", "customs", {"provider": provider_name(provider)}))
        return found

    def release_or_holds(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
                         now: datetime, lodged: Lodged | None = None, code: str | None = None,
                         params: dict[str, Any] | None = None) -> list[Hold]:
        """Release the goods if nothing holds them and return []; else leave them and return what holds them.

        `lodged`: the lodging flow's facts of a declaration it has just written (see `holds_at_lodging`).
        """
        holds, waivers = self.holds_waived(db, declaration, lodged)
        if holds:
            return holds
        noted = waived_release(db, declaration, actor, waivers, now, code=code, params=params)
        declaration_transition(db=db, actor=actor, declaration=declaration, target="released", reason=reason,
                               now=now, **noted)
        return []

    def attempt(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
                now: datetime, code: str | None = None, params: dict[str, Any] | None = None) -> bool:
        """Release the goods if nothing holds them; True when released, False when something still does."""
        if declaration.status in DONE:
            return False
        return not self.release_or_holds(db=db, declaration=declaration, actor=actor, reason=reason, now=now,
                                         code=code, params=params)

    def clear(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
              now: datetime) -> Declaration:
        """Clear released goods once every duty is final (release and final determination are separate)."""
        if declaration.status != "released":
            raise Conflict([Problem("clearance.not_released", "", {"status": declaration.status})])
        pending = asked(db=db, declaration=declaration, providers=self.finality)
        if pending:
            raise held_problem(pending)
        return declaration_transition(db=db, actor=actor, declaration=declaration, target="cleared",
                                      reason=reason, now=now)
