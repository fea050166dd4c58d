"""Helpers of the single-window tests: live agencies, permits approved, lodgements through the clearance flow."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.factories import document

MEDICINE = {"hs_code": "300490", "description": "Paracetamol tablets 500 mg", "origin_country": "IN",
            "net_mass_kg": "120", "quantity": {"value": "100", "unit": "KGM"}, "value": "5000.00"}
FISH = {"hs_code": "030389", "description": "Frozen mackerel", "origin_country": "NO", "net_mass_kg": "900",
        "quantity": {"value": "900", "unit": "KGM"}, "value": "2700.00"}

PHONE = {"hs_code": "851713", "description": "Smartphones, 128 GB", "origin_country": "CN", "net_mass_kg": "42.5",
         "quantity": {"value": "250", "unit": "NAR"}, "value": "12500.00"}


def who(username: str) -> Any:
    """A user's principal."""
    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        return principal_of(user)


def load_shipped() -> list[str]:
    """Make the four shipped agencies live (and their organisations exist)."""
    from clearway.agencies.demo import agency_organisations
    from clearway.agencies.profiles import SHIPPED, profiles_read
    from clearway.agencies.registry import agencies_load
    from clearway.db import get_sessionmaker, utcnow

    admin = who("admin")
    with get_sessionmaker()() as db, db.begin():
        agency_organisations(db=db, now=utcnow())
        return agencies_load(db=db, actor=admin, profiles=profiles_read(SHIPPED), now=utcnow())


def permit_approved(*, holder: str = "trader-a", agency: str = "MFDS", lpco: str = "MFDS-DRUG",
                    hs: tuple[str, ...] = ("3004",), quantity: str | None = "1000", value: str | None = None,
                    unit: str = "KGM", currency: str = "USD") -> str:
    """Apply as a trader and approve as the agency; returns the permit number."""
    from clearway.agencies import permits
    from clearway.agencies.registry import live_agencies
    from clearway.db import get_sessionmaker, utcnow

    trader, officer = who(holder), who("agency")
    with get_sessionmaker()() as db, db.begin():
        now = utcnow()
        profile = live_agencies(db)[agency]
        permit = permits.application_submit(
            db=db, actor=trader, profile=profile, lpco=lpco, hs_prefixes=list(hs), origin=None,
            quantity=Decimal(quantity) if quantity else None, unit=unit, value=Decimal(value) if value else None,
            currency=currency, purpose="test import", now=now)
        permits.application_decide(db=db, actor=officer, permit=permit, profile=profile, outcome="approved",
                                   quantity=None, value=None, valid_from=(now - timedelta(days=1)).date(),
                                   valid_to=None, conditions=None, reason=None, now=now)
        return permit.number


def doc_with(*items: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A trader-a document with the given items (and its invoice total)."""
    lines = [copy.deepcopy(i) for i in items]
    total = sum(Decimal(i["value"]) for i in lines)
    return document(items=lines, invoice_total=str(total), **overrides)


def balance(number: str) -> tuple[Decimal, Decimal]:
    """A permit's used quantity and value, read fresh."""
    from clearway.agencies.models import Permit
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        p = db.scalar(select(Permit).where(Permit.number == number))
        assert p is not None
        return Decimal(p.quantity_used), Decimal(p.value_used)
