"""Audit trail: append with the change, seal into a hash chain later, verify on demand.

Writers never touch a shared row: each record carries its own content hash. A single sealer
(serialised by a lock on the chain head only) links unsealed records in the order it finds them
committed, so the chain costs the write path nothing and still detects edits and deletions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from clearway.audit.models import AuditHead, AuditRecord

GENESIS = "0" * 64


def _row_hash(at: datetime, actor: str, actor_org: str, action: str, target_type: str,
              target_id: str, detail: dict[str, Any]) -> str:
    canonical = json.dumps(
        [at.isoformat(timespec="microseconds"), actor, actor_org, action, target_type, target_id, detail],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _link(prev: str, row_hash: str, seq: int) -> str:
    return hashlib.sha256(f"{prev}:{seq}:{row_hash}".encode()).hexdigest()


def audit_row(*, actor: str, actor_org: str, action: str, target_type: str, target_id: str,
              detail: dict[str, Any] | None, at: datetime) -> dict[str, Any]:
    """The values of one audit record, hash included, ready for a bulk insert."""
    detail = detail or {}
    return {
        "at": at, "actor": actor, "actor_org": actor_org, "action": action,
        "target_type": target_type, "target_id": target_id, "detail": detail,
        "row_hash": _row_hash(at, actor, actor_org, action, target_type, target_id, detail),
    }


def audit_append(*, db: Session, actor: str, actor_org: str, action: str, target_type: str,
                 target_id: str, detail: dict[str, Any] | None = None, at: datetime) -> None:
    """Append one audit record in the caller's transaction."""
    db.execute(insert(AuditRecord), [audit_row(
        actor=actor, actor_org=actor_org, action=action, target_type=target_type,
        target_id=target_id, detail=detail, at=at,
    )])


_SEAL = (update(AuditRecord).where(AuditRecord.id == bindparam("b_id"))
         .values(seq=bindparam("b_seq"), chain_hash=bindparam("b_hash")))


def audit_seal(*, db: Session, now: datetime, limit: int = 5000) -> int:
    """Chain up to `limit` committed, unsealed records; returns how many were sealed."""
    # The migration creates the head row; locking it serialises sealers, never writers.
    head = db.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    rows = db.execute(
        select(AuditRecord.id, AuditRecord.row_hash)
        .where(AuditRecord.seq.is_(None)).order_by(AuditRecord.id).limit(limit)
    ).all()
    seq, chain = head.seq, head.chain_hash
    links = []
    for row_id, row_hash in rows:
        seq += 1
        chain = _link(chain, row_hash, seq)
        links.append({"b_id": row_id, "b_seq": seq, "b_hash": chain})
    if links:
        # One executemany on the Core connection: the driver pipelines it, no ORM bookkeeping per row.
        db.connection().execute(_SEAL, links)
    head.seq, head.chain_hash, head.sealed_at = seq, chain, now
    db.flush()
    return len(rows)


@dataclass
class VerifyResult:
    """What verification found: counts and the first broken record, if any."""

    sealed: int
    unsealed: int
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is broken."""
        return self.reason is None


def _verify_row(r: AuditRecord) -> bool:
    return _row_hash(r.at, r.actor, r.actor_org, r.action, r.target_type, r.target_id, r.detail) == r.row_hash


def audit_verify(*, db: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in seal order and check the unsealed tail; report the first break."""
    head = db.get(AuditHead, 1)
    prev, expected, last_id = GENESIS, 1, 0
    sealed = 0
    while True:
        rows = db.scalars(
            select(AuditRecord).where(AuditRecord.seq >= expected).order_by(AuditRecord.seq).limit(batch)
        ).all()
        for r in rows:
            if r.seq != expected:
                return VerifyResult(sealed, 0, last_id, expected, f"record with seq {expected} is missing")
            if not _verify_row(r):
                return VerifyResult(sealed, 0, r.id, r.seq, "content does not match its hash")
            if r.chain_hash != _link(prev, r.row_hash, expected):
                return VerifyResult(sealed, 0, r.id, r.seq, "chain link does not match")
            prev, expected, last_id, sealed = r.chain_hash or "", expected + 1, r.id, sealed + 1
        if len(rows) < batch:
            break
    if head is not None and (head.seq != sealed or head.chain_hash != prev):
        return VerifyResult(sealed, 0, None, head.seq, f"chain ends at seq {sealed} but head says {head.seq}")
    unsealed = 0
    for r in db.scalars(select(AuditRecord).where(AuditRecord.seq.is_(None)).order_by(AuditRecord.id)):
        unsealed += 1
        if not _verify_row(r):
            return VerifyResult(sealed, unsealed, r.id, None, "unsealed record content does not match its hash")
    return VerifyResult(sealed, unsealed)


def audit_count(*, db: Session) -> int:
    """Number of audit records."""
    return db.scalar(select(func.count()).select_from(AuditRecord)) or 0
