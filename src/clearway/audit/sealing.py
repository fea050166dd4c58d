"""Sealing the audit trail into its hash chain: what is committed and unsealed, in commit order."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from clearway.audit.service import audit_seal
from clearway.db import utcnow

BATCH = 5000


def seal_once(sessions: sessionmaker[Session]) -> int:
    """Seal what is committed and unsealed now (one batch, one transaction); how many records were chained."""
    with sessions() as db, db.begin():
        return audit_seal(db=db, now=utcnow(), limit=BATCH)


def seal_all(sessions: sessionmaker[Session]) -> int:
    """Seal batch after batch until nothing is left; how many records in all."""
    total = 0
    while (done := seal_once(sessions)) > 0:
        total += done
        if done < BATCH:
            break
    return total
