"""The demo world: organisations, the documented demo users, and declarations to look at."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.auth.models import Organisation, User
from clearway.auth.schemas import Principal
from clearway.auth.service import organisation_create, principal_of, user_create
from clearway.declarations.schemas import EXAMPLE
from clearway.declarations.service import declaration_lodge

DEMO_PASSWORD = "demo"
ORGANISATIONS = [
    ("KRCUSTOMS", "Korea Customs Service (demo)", "customs", "KR", False),
    ("KR1000000001", "Hanbit Trading Co.", "trader", "KR", True),
    ("KR1000000002", "Daehan Global Imports Ltd.", "trader", "KR", False),
    ("KRMFDS", "Ministry of Food and Drug Safety (demo)", "agency", "KR", False),
]
USERS = [  # username, role, organisation code, office
    ("trader-a", "trader", "KR1000000001", None),
    ("trader-b", "trader", "KR1000000002", None),
    ("officer", "officer", "KRCUSTOMS", "KR0101"),
    ("analyst", "analyst", "KRCUSTOMS", None),
    ("agency", "agency", "KRMFDS", None),
    ("admin", "admin", "KRCUSTOMS", None),
    ("auditor", "auditor", "KRCUSTOMS", None),
]


def demo_is_seeded(*, db: Session) -> bool:
    """True when the database already holds users (the demo never overwrites data)."""
    return (db.scalar(select(func.count()).select_from(User)) or 0) > 0


def demo_accounts(*, db: Session, now: datetime) -> dict[str, User]:
    """Create the demo organisations and users (password 'demo')."""
    orgs = {code: organisation_create(db=db, code=code, name=name, kind=kind, country=country, aeo=aeo, now=now)
            for code, name, kind, country, aeo in ORGANISATIONS}
    return {
        username: user_create(db=db, username=username, password=DEMO_PASSWORD, role=role,
                              organisation=orgs[org], office=office, demo=True, now=now)
        for username, role, org, office in USERS
    }


def _sample(org: Organisation, n: int, hs: str, desc: str, value: str, origin: str) -> dict[str, object]:
    doc = copy.deepcopy(EXAMPLE)
    party = {"id": org.code, "name": org.name, "country": "KR"}
    doc.update(lrn=f"DEMO-{org.code[-1]}-{n:04d}", declarant=party, importer=party, buyer=party,
               invoice_total=value)
    doc["items"][0].update(hs_code=hs, description=desc, value=value, origin_country=origin)  # type: ignore[index]
    return doc


def demo_declarations(*, db: Session, users: dict[str, User], now: datetime) -> int:
    """Lodge a handful of declarations for both demo traders through the normal service."""
    goods = [("851713", "Smartphones", "CN"), ("640399", "Leather footwear", "VN"),
             ("220421", "Red wine in bottles", "FR"), ("950300", "Toy building sets", "CN"),
             ("300490", "Medicaments, packaged", "DE"), ("870323", "Passenger car 1.6 l", "DE")]
    count = 0
    for name in ("trader-a", "trader-b"):
        actor: Principal = principal_of(users[name])
        for n, (hs, desc, origin) in enumerate(goods):
            at = now - timedelta(days=len(goods) - n, hours=3 * n + (name == "trader-b"))
            raw = _sample(users[name].organisation, n + 1, hs, desc, f"{1500 + 750 * n}.00", origin)
            declaration_lodge(db=db, actor=actor, raw=raw, now=at)
            count += 1
    return count


def demo_seed(*, db: Session, now: datetime) -> int:
    """Seed an empty database with the demo world; returns the number of declarations lodged."""
    users = demo_accounts(db=db, now=now)
    return demo_declarations(db=db, users=users, now=now)
