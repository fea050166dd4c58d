"""The demo world: organisations, the documented demo users, and declarations to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.auth.models import Organisation, User
from clearway.auth.schemas import Principal
from clearway.auth.service import organisation_create, user_create
from clearway.config import get_settings
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


def _demo_deferment(*, db: Session, holders: list[str], now: datetime) -> None:
    """Deferment accounts so the history's green goods are released at once; trader-b keeps paying
    per declaration, so the demo also shows goods waiting for payment and the pay button."""
    from clearway.tariff.accounts import account_open

    customs = Principal(user_id=0, username="demo-seed", role="officer", organisation_id=0,
                        organisation_code="KRCUSTOMS")
    for holder in holders:
        account_open(db=db, actor=customs, holder_id=holder, currency=get_settings().national_currency,
                     credit_limit="1000000000000", now=now)


def demo_history(*, db: Session, now: datetime, days: int = 90, per_day: int = 40, seed: int = 7,
                 progress: Callable[[int, int], None] | None = None) -> int:
    """Lodge a synthetic history (every trader of the synthetic world) through the normal service."""
    from clearway.synthetic import generate_world

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
    lodged = 0
    for n, record in enumerate(world.declarations):
        with db.begin_nested():
            declaration_lodge(db=db, actor=actors[record.declarant_org_id], raw=record.document,
                              now=record.lodged_at)
        lodged += 1
        if progress and n % 200 == 0:
            progress(n, len(world.declarations))
    return lodged


def demo_seed(*, db: Session, now: datetime, progress: Callable[[int, int], None] | None = None) -> int:
    """Seed an empty database with the demo world; returns the number of declarations lodged."""
    from clearway.tariff.demo import demo_seed as tariff_demo_seed

    demo_accounts(db=db, now=now)
    tariff_demo_seed(db=db, now=now)
    return demo_history(db=db, now=now, progress=progress)
