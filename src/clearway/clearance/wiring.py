"""The wiring: what the flows, routers, jobs and commands are given instead of importing it.

One `Wiring` is built by `clearway.assembly.wiring_build` in `create_app`, in the worker and in
the command line, and passed along (`app.state.wiring` for the web). Nothing here is installed into
a module global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from clearway.clearance.release import ReleaseDecision
from clearway.declarations.channelling import ChannelContext, ChannelDecision
from clearway.tariff.payments import PaymentGateway


class ChannelDecider(Protocol):
    """Decides the channel of a lodgement and stores what it decided (the risk engine, or the default rules)."""

    def decide(self, *, document: dict[str, Any], total_value: Decimal, context: ChannelContext) -> ChannelDecision:
        """The channel of an accepted, assessed declaration."""
        ...

    def record(self, *, db: Any, declaration_id: int, mrn: str, decision: ChannelDecision, now: datetime) -> None:
        """Store the decision with the declaration in the lodging transaction."""
        ...


class LodgingStep(Protocol):
    """A domain's part of lodging, amending and cancelling, run inside the flow's transaction (the single
    window: permits drawn on, referrals made). It raises a domain error to refuse the whole change."""

    def lodged(self, *, db: Any, declaration: Any, actor: Any, now: datetime) -> None:
        """After the declaration is written, before the release decision."""
        ...

    def amended(self, *, db: Any, declaration: Any, actor: Any, now: datetime) -> None:
        """After the new version is in place, before the release decision."""
        ...

    def withdrawn(self, *, db: Any, declaration: Any, now: datetime) -> None:
        """After the declaration is cancelled."""
        ...


# Finished controls as labels, for the risk engine's learning loop (the controls domain's reader).
OutcomesSource = Callable[..., Any]


@dataclass(frozen=True)
class Wiring:
    """Everything the flows are handed: the channel decider, the release decision, outcomes, the gateway, steps."""

    channel: ChannelDecider
    release: ReleaseDecision
    outcomes: OutcomesSource
    gateway: PaymentGateway
    steps: tuple[LodgingStep, ...] = ()  # domains' parts of lodging, amending and cancelling, in order
