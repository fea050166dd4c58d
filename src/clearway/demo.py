"""The demo world: organisations, the documented demo users, and declarations to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.agencies.demo import agencies_demo_seed
from clearway.auth.demo import DEMO_PASSWORD, ORGANISATIONS, USERS, demo_accounts, demo_is_seeded
from clearway.auth.models import Organisation
from clearway.auth.schemas import Principal
from clearway.auth.service import organisation_create
from clearway.borderposts.demo import borderposts_demo_seed
from clearway.clearance.lodge import declaration_lodge
from clearway.clearance.wiring import Wiring
from clearway.config import get_settings
from clearway.crisis.demo import crisis_demo_seed
from clearway.demo_controls import demo_controls_finish
from clearway.demo_risk import demo_risk_configure
from clearway.enforcement.demo import enforcement_demo_seed
from clearway.exchange.demo import exchange_demo_rescore, exchange_demo_seed
from clearway.intelligence.demo import intelligence_demo_seed
from clearway.synthetic import generate_world
from clearway.synthetic.parties import Organisation as WorldOrganisation
from clearway.synthetic.records import DeclarationRecord
from clearway.tariff.accounts import account_open
from clearway.tariff.demo import demo_seed as tariff_demo_seed
from clearway.training.demo import training_demo_seed

__all__ = ["DEMO_PASSWORD", "ORGANISATIONS", "USERS", "demo_accounts", "demo_history", "demo_is_seeded", "demo_seed"]

RISK_CONFIGURED_BEFORE = timedelta(days=35)  # the engine is configured 35 days before the demo starts


def _demo_deferment(*, db: Session, holders: list[str], now: datetime) -> None:
    """Deferment accounts so the history's green goods are released at once; trader-b keeps paying
    per declaration, so the demo also shows goods waiting for payment and the pay button."""
    customs = Principal(user_id=0, username="demo-seed", role="officer", organisation_id=0,
                        organisation_code="KRCUSTOMS")
    for holder in holders:
        account_open(db=db, actor=customs, holder_id=holder, currency=get_settings().national_currency,
                     credit_limit="1000000000000", now=now)


def demo_history(*, db: Session, wiring: Wiring, now: datetime, days: int = 90, per_day: int = 40, seed: int = 7,
                 progress: Callable[[int, int], None] | None = None,
                 lodged: list[tuple[int, DeclarationRecord]] | None = None,
                 pause: tuple[datetime, Callable[[list[WorldOrganisation]], None]] | None = None) -> int:
    """Lodge a synthetic history (every trader of the synthetic world) through the normal flow.

    `lodged`, when given, receives each declaration's id with its synthetic record (truth and outcome);
    `pause` = (at, step) runs the step before the first declaration lodged at or after `at`.
    """
    world = generate_world(seed=seed, days=days, end=(now - timedelta(days=1)).date(),
                           declarations_per_day=per_day)
    known = set(db.scalars(select(Organisation.code)))
    actors: dict[str, Principal] = {}
    for org in world.organisations:
        if org.id not in known:
            created = organisation_create(db=db, code=org.id, name=org.name, kind="trader", country=org.country,
                                          aeo=org.aeo, now=now)
            known.add(created.code)
        actors[org.id] = Principal(user_id=0, username=f"import:{org.id}", role="trader",
                                   organisation_id=0, organisation_code=org.id)
    _demo_deferment(db=db, holders=[o for o in actors if o != "KR1000000002"], now=now)
    count = 0
    for n, record in enumerate(world.declarations):
        if pause is not None and record.lodged_at >= pause[0]:
            pause[1](world.organisations)
            pause = None
        with db.begin_nested():
            declaration = declaration_lodge(db=db, wiring=wiring, actor=actors[record.declarant_org_id],
                                            raw=record.document, now=record.lodged_at)
        if lodged is not None:
            lodged.append((declaration.id, record))
        count += 1
        if progress and n % 200 == 0:
            progress(n, len(world.declarations))
    return count


def demo_seed(*, db: Session, wiring: Wiring, now: datetime,
              progress: Callable[[int, int], None] | None = None) -> int:
    """Seed an empty database with the demo world; returns the number of declarations lodged."""
    demo_accounts(db=db, now=now)
    tariff_demo_seed(db=db, now=now)
    borderposts_demo_seed(db=db, now=now)
    exchange_demo_seed(db=db, now=now)
    crisis_demo_seed(db=db, now=now)  # before the history: what was lodged under a profile is recorded with it
    lodged: list[tuple[int, DeclarationRecord]] = []
    cut = now - RISK_CONFIGURED_BEFORE

    def configure(organisations: list[WorldOrganisation]) -> None:
        # Some weeks in, officers have finished the first controls and analysts configure the engine.
        demo_controls_finish(db=db, release=wiring.release, lodged=lodged, now=cut)
        demo_risk_configure(db=db, organisations=organisations, now=cut)

    count = demo_history(db=db, wiring=wiring, now=now, progress=progress, lodged=lodged, pause=(cut, configure))
    demo_controls_finish(db=db, release=wiring.release, lodged=lodged, now=now)
    exchange_demo_rescore(db=db, now=now)  # the partner's exports, scored by the engine the history configured
    enforcement_demo_seed(db=db, now=now)
    training_demo_seed(db=db, now=now)  # a training world, a closed exercise and open ones of every newer kind
    # Intelligence: alerts in every marking between customs, the MFDS and the FIU, one with its outcome.
    intelligence_demo_seed(db=db, now=now, release=wiring.release)
    # The single window: agencies live, permits with balances, referrals in every state.
    return count + agencies_demo_seed(
        db=db, now=now, release=wiring.release,
        lodge=lambda actor, raw, at: declaration_lodge(db=db, wiring=wiring, actor=actor, raw=raw, now=at))
