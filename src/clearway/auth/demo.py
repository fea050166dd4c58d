"""The documented demo accounts: organisations and users (password 'demo'), which exist only in demo mode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.auth.models import User
from clearway.auth.service import organisation_create, user_create

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
