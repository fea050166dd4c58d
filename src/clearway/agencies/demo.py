"""The single window in the lived-in demo: the four shipped agencies live, permits with balances,
applications in every state, and declarations whose referrals wait, were decided, or are overdue."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.agencies import permits
from clearway.agencies.jobs import overdue_pass, write_off_pass
from clearway.agencies.models import Referral
from clearway.agencies.profiles import SHIPPED, profiles_read
from clearway.agencies.registry import agencies_load, live_agencies
from clearway.agencies.service import joint_inspection_book, referral_decide, referrals_backfill
from clearway.auth.models import Organisation, User
from clearway.auth.schemas import Principal
from clearway.auth.service import organisation_create, principal_of, user_create
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import EXAMPLE
from clearway.holds import Release

ORGANISATIONS = [("KRMFDS", "Ministry of Food and Drug Safety (demo)"),
                 ("KRAPQA", "Animal and Plant Quarantine Agency (demo)"),
                 ("KRRRA", "National Radio Research Agency (demo)"),
                 ("KRKNPA", "Strategic Goods and Arms Licensing Office (demo)")]
Lodge = Callable[[Principal, dict[str, Any], datetime], Declaration]
FISH = {"hs_code": "030389", "description": "Frozen mackerel", "origin_country": "NO", "net_mass_kg": "9000",
        "quantity": {"value": "9000", "unit": "KGM"}, "value": "23000.00"}
ORANGES = {"hs_code": "080510", "description": "Fresh oranges", "origin_country": "US", "net_mass_kg": "12000",
           "quantity": {"value": "12000", "unit": "KGM"}, "value": "9600.00"}
PHONES = {"hs_code": "851713", "description": "Smartphones, 128 GB", "origin_country": "CN", "net_mass_kg": "42.5",
          "quantity": {"value": "250", "unit": "NAR"}, "value": "12500.00"}
MEDICINE = {"hs_code": "300490", "description": "Paracetamol tablets 500 mg", "origin_country": "IN",
            "net_mass_kg": "400", "quantity": {"value": "400", "unit": "KGM"}, "value": "8000.00"}


def agency_organisations(*, db: Session, now: datetime) -> None:
    """The organisations the shipped agencies act through (the demo `agency` user belongs to KRMFDS)."""
    known = set(db.scalars(select(Organisation.code)))
    for code, name in ORGANISATIONS:
        if code not in known:
            organisation_create(db=db, code=code, name=name, kind="agency", country="KR", now=now)


def _principal(db: Session, username: str) -> Principal:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return principal_of(user)


def _permit(db: Session, *, holder: Principal, agency: Principal | None, code: str, lpco: str, hs: list[str],
            applied: datetime, minutes: float, outcome: str = "approved", quantity: str | None = None,
            unit: str | None = None, value: str | None = None, reason: str | None = None) -> str:
    profile = live_agencies(db)[code]
    permit = permits.application_submit(
        db=db, actor=holder, profile=profile, lpco=lpco, hs_prefixes=hs, origin=None,
        quantity=Decimal(quantity) if quantity else None, unit=unit, value=Decimal(value) if value else None,
        currency="USD" if value else None, purpose=f"Demo application for {lpco}", now=applied)
    if agency is not None and outcome != "applied":
        permits.application_decide(db=db, actor=agency, permit=permit, profile=profile, outcome=outcome,
                                   quantity=None, value=None, valid_from=applied.date(), valid_to=None,
                                   conditions="Store at 2-8 C" if lpco == "MFDS-DRUG" else None, reason=reason,
                                   now=applied + timedelta(minutes=minutes))
    return permit.number


def _document(n: int, *items: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE)
    doc["lrn"] = f"SW-DEMO-{n:04d}"
    doc["items"] = [copy.deepcopy(i) for i in items]
    doc["invoice_total"] = str(sum(Decimal(i["value"]) for i in items))
    return doc


def _decide(db: Session, release: Release, actor: Principal, declaration: Declaration, agency: str, decision: str,
            at: datetime, reason: str | None = None, conditions: str | None = None) -> None:
    for referral in db.scalars(select(Referral).where(Referral.declaration_id == declaration.id,
                                                      Referral.agency == agency, Referral.superseded.is_(False))):
        referral_decide(db=db, actor=actor, referral_id=referral.id, decision=decision, reason=reason,
                        conditions=conditions, now=at)
    if declaration.status == "channelled":
        release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR, reason="agency decisions given", now=at,
                        code="released.agency_decisions", params={})


def agencies_demo_seed(*, db: Session, now: datetime, lodge: Lodge, release: Release) -> int:
    """Make the shipped agencies live and give the demo `agency` user (MFDS) its work; returns declarations lodged."""
    rng = random.Random(13)
    agency_organisations(db=db, now=now)
    apqa_org = db.scalar(select(Organisation).where(Organisation.code == "KRAPQA"))
    if apqa_org is not None and db.scalar(select(User.id).where(User.username == "agency-apqa")) is None:
        user_create(db=db, username="agency-apqa", password="demo", role="agency", organisation=apqa_org, demo=True,
                    now=now)
    admin = Principal(user_id=0, username="demo-seed", role="admin", organisation_id=0, organisation_code="KRCUSTOMS")
    agencies_load(db=db, actor=admin, profiles=profiles_read(SHIPPED), now=now - timedelta(days=40))
    trader_a, trader_b = _principal(db, "trader-a"), _principal(db, "trader-b")
    mfds, apqa = _principal(db, "agency"), _principal(db, "agency-apqa")
    # A month of applications decided in minutes to hours, for the processing-time figures.
    for day in range(30, 1, -1):
        at = now - timedelta(days=day, hours=rng.randint(0, 8))
        _permit(db, holder=trader_b, agency=mfds, code="MFDS", lpco="MFDS-FOOD", hs=["16"], applied=at,
                minutes=rng.choice([3, 4, 6, 8, 9, 12, 25, 70]), value="20000")
    drug = _permit(db, holder=trader_a, agency=mfds, code="MFDS", lpco="MFDS-DRUG", hs=["3004"],
                   applied=now - timedelta(days=20), minutes=6, quantity="2000", unit="KGM")
    food = _permit(db, holder=trader_a, agency=mfds, code="MFDS", lpco="MFDS-FOOD", hs=["0303"],
                   applied=now - timedelta(days=12), minutes=4, value="25000")
    phyto = _permit(db, holder=trader_a, agency=apqa, code="APQA", lpco="APQA-PHYTO", hs=["0805"],
                    applied=now - timedelta(days=9), minutes=45, quantity="50000", unit="KGM")
    _permit(db, holder=trader_a, agency=None, code="KNPA", lpco="KNPA-ARMS", hs=["9303"],
            applied=now - timedelta(hours=3), minutes=0, outcome="applied", quantity="20", unit="NAR", value="30000")
    _permit(db, holder=trader_a, agency=None, code="MFDS", lpco="MFDS-DRUG", hs=["3003"],
            applied=now - timedelta(minutes=50), minutes=0, outcome="applied", quantity="300", unit="KGM")
    _permit(db, holder=trader_b, agency=mfds, code="MFDS", lpco="MFDS-DRUG", hs=["3002"],
            applied=now - timedelta(days=2), minutes=30, outcome="info_requested", quantity="50", unit="KGM",
            reason="Send the marketing authorisation of the vaccine")
    _permit(db, holder=trader_b, agency=apqa, code="APQA", lpco="APQA-VET", hs=["0201"],
            applied=now - timedelta(days=5), minutes=90, outcome="refused", quantity="3000", unit="KGM",
            reason="Exporting plant not approved for beef")

    def lodge_at(n: int, minutes_ago: float, *items: dict[str, Any]) -> Declaration:
        with db.begin_nested():
            return lodge(trader_a, _document(n, *items), now - timedelta(minutes=minutes_ago))

    # Fish drawn on the food permit, released by MFDS within the hour (its balance now runs low).
    d = lodge_at(1, 60 * 26, {**FISH, "permits": [food]})
    _decide(db, release, mfds, d, "MFDS", "release", now - timedelta(hours=25, minutes=20))
    # Fish and phones waiting for MFDS and RRA; oranges overdue at APQA; medicine sampled by MFDS.
    lodge_at(2, 20, {**FISH, "value": "1500.00", "quantity": {"value": "500", "unit": "KGM"}, "net_mass_kg": "500"},
             PHONES)
    lodge_at(3, 60 * 5, {**ORANGES, "permits": [phyto]})
    d = lodge_at(4, 60 * 3, {**MEDICINE, "permits": [drug]})
    _decide(db, release, mfds, d, "MFDS", "sample", now - timedelta(hours=2), reason="Assay of active ingredient")
    # Fish for a joint inspection with customs; fish refused; phones whose conformity system never answered.
    d = lodge_at(5, 60 * 4, {**FISH, "value": "800.00", "quantity": {"value": "300", "unit": "KGM"},
                             "net_mass_kg": "300"})
    _decide(db, release, mfds, d, "MFDS", "joint_inspection", now - timedelta(hours=3), reason="Cold chain doubt")
    joint_inspection_book(db=db, actor=_principal(db, "officer"), declaration=d, at=now + timedelta(hours=20),
                          place="KR0101 cold store, bay 3", now=now - timedelta(hours=2))
    d = lodge_at(6, 60 * 30, {**FISH, "value": "600.00", "quantity": {"value": "200", "unit": "KGM"},
                              "net_mass_kg": "200"})
    _decide(db, release, mfds, d, "MFDS", "refuse", now - timedelta(hours=27), reason="Histamine above the limit")
    lodge_at(7, 60 * 3, PHONES)
    overdue_pass(db=db, release=release, now=now)
    write_off_pass(db=db, now=now)
    referrals_backfill(db=db, now=now)  # the synthetic history was lodged before the agencies went live
    return 7

