"""The single window in the lived-in demo: the four shipped agencies live, permits with balances,
applications in every state, and declarations whose referrals wait, were decided, or are overdue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.models import Organisation
from clearway.auth.service import organisation_create

ORGANISATIONS = [("KRMFDS", "Ministry of Food and Drug Safety (demo)"),
                 ("KRAPQA", "Animal and Plant Quarantine Agency (demo)"),
                 ("KRRRA", "National Radio Research Agency (demo)"),
                 ("KRKNPA", "Strategic Goods and Arms Licensing Office (demo)")]


def agency_organisations(*, db: Session, now: datetime) -> None:
    """The organisations the shipped agencies act through (the demo `agency` user belongs to KRMFDS)."""
    known = set(db.scalars(select(Organisation.code)))
    for code, name in ORGANISATIONS:
        if code not in known:
            organisation_create(db=db, code=code, name=name, kind="agency", country="KR", now=now)
