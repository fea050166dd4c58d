"""Builds the wiring every entry point hands to the flows: the web app, the worker and the command line.

This is the one place that knows every domain: it lists the reasons to hold goods (each domain's
provider), the channel decider and the outcomes source. Domains never import it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from clearway.agencies import holds as agency_holds
from clearway.agencies.service import SingleWindowStep
from clearway.auth.schemas import Principal
from clearway.clearance.release import ReleaseDecision
from clearway.clearance.wiring import Wiring
from clearway.controls import holds as control_holds
from clearway.controls.service import control_outcomes
from clearway.controls.withdrawal import ControlsStep
from clearway.crisis import holds as crisis_holds
from clearway.crisis.emergency import EmergencyChannel
from clearway.declarations.models import Declaration
from clearway.exchange.selection import ExchangeFacts, MirrorStep
from clearway.intelligence import holds as intelligence_holds
from clearway.risk.service import channel_engine
from clearway.tariff import holds as duty_holds
from clearway.tariff.service import payment_gateway
from clearway.training import holds as training_holds
from clearway.training.certification import certification_check


class CertifiedRelease(ReleaseDecision):
    """The release decision, asking the training domain's certification gate before red-channel goods go."""

    def decide(self, *, db: Session, declaration: Declaration, actor: Principal, reason: str | None,
               now: datetime) -> Declaration:
        """Release as the decision does, once the releasing officer holds the certificate a gate may ask for."""
        if declaration.channel == "red":
            certification_check(db=db, actor=actor, action="release.red", now=now)
        return super().decide(db=db, declaration=declaration, actor=actor, reason=reason, now=now)


def wiring_build() -> Wiring:
    """The wiring of this deployment, from its settings."""
    release = ReleaseDecision(
        providers=(control_holds.control_holds, duty_holds.duty_holds, agency_holds.agency_holds,
                   # an alert that targets or matches the goods holds them until its outcome is reported
                   intelligence_holds.intelligence_holds,
                   # a projected (test) declaration is never released
                   training_holds.projection_holds,
                   # a closure profile holds goods through the same decision as every other reason
                   crisis_holds.emergency_holds,
                   # relief goods go before their duties are final only once the duty is waived or secured
                   crisis_holds.relief_duty_holds),
        finality=(duty_holds.duty_not_final, control_holds.adjustments_not_final),
    )
    # Releasing red-channel goods may ask for a certificate (training's gate; off until an administrator sets it).
    release = CertifiedRelease(providers=release.providers, finality=release.finality)
    # A relief profile whose terms waive duties lifts the duty holds of the goods lodged under it (RKC J5).
    release = replace(release, waivers=(crisis_holds.relief_duty_waivers,))
    # Emergency profiles adjust the engine's channel (and record it under the profile's id).
    channel = EmergencyChannel(ExchangeFacts(channel_engine()))  # exchange: mirror checks, partners' AEOs
    return Wiring(channel=channel, release=release, outcomes=control_outcomes, gateway=payment_gateway(),
                  steps=(SingleWindowStep(),
                         ControlsStep(),  # controls: a cancelled declaration's open controls are closed
                         MirrorStep()))  # exchange: the mirror report's lines of imports
