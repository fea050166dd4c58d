"""Building blocks of intelligence tests: principals of the demo users, the FIU, an alert, a lodged declaration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clearway.auth.schemas import Principal
from clearway.intelligence.schemas import AlertCreate

TEXT = "Informant says the consignee hides cigarettes behind phone cartons"


def principals() -> dict[str, Principal]:
    """Every user's principal, by username."""
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        return {u.username: principal_of(u) for u in db.scalars(select(User))}


def fiu() -> None:
    """The financial intelligence unit's organisation and its user `fiu` (an agency of its own)."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.enforcement.demo import fiu_account

    with get_sessionmaker()() as db, db.begin():
        fiu_account(db=db, now=utcnow())


def body(**overrides: Any) -> AlertCreate:
    """A valid alert on trader A, AMBER, for risk targeting and control, shared with the MFDS."""
    values: dict[str, Any] = {
        "subject_type": "trader", "subject_value": "KR1000000001", "text": TEXT, "source_ref": "HUMINT-7",
        "source_grade": "B", "info_grade": "2", "marking": "AMBER", "purposes": ["risk_targeting", "control"],
        "recipients": ["org:KRMFDS"]}
    values.update(overrides)
    return AlertCreate(**values)


def create(who: str = "analyst", now: datetime | None = None, **overrides: Any) -> str:
    """Create an alert as a user, committed; its reference."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.intelligence import service

    with get_sessionmaker()() as db, db.begin():
        return service.alert_create(db=db, actor=principals()[who], body=body(**overrides),
                                    now=now or utcnow()).reference


def status_and_holds(mrn: str) -> tuple[str, list[str]]:
    """A declaration's status and the codes of what holds it (as the one release decision sees them)."""
    from sqlalchemy import select

    from clearway.assembly import wiring_build
    from clearway.db import get_sessionmaker
    from clearway.declarations.models import Declaration

    with get_sessionmaker()() as db:
        d = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
        assert d is not None
        return d.status, [f"{h.code}:{h.params.get('alert', '')}" for h in wiring_build().release.holds(db, d)]
