"""The change log of the risk engine's configuration, written with each change and its audit record.

Every change inserts a `risk_changes` row in the caller's transaction. Its id and token are the
configuration version: a process whose engine was loaded at another version reloads. Once the
transaction commits, this process is told at once (listeners); other processes notice on their
next version check.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.risk.models import RiskChange

_listeners: list[Callable[[], None]] = []


def change_listen(callback: Callable[[], None]) -> None:
    """Call `callback` after any session commits a configuration change in this process."""
    if callback not in _listeners:
        _listeners.append(callback)


def _notify(_session: Session) -> None:
    for callback in _listeners:
        callback()


def change_record(*, db: Session, actor: Principal, kind: str, target_type: str, target_id: str,
                  detail: dict[str, Any] | None, now: datetime) -> None:
    """Log a configuration change and its audit record in the caller's transaction."""
    db.execute(insert(RiskChange).values(token=uuid.uuid4().hex, kind=kind, actor=actor.username, at=now))
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=f"risk.{kind}",
                 target_type=target_type, target_id=target_id, detail=detail, at=now)
    if not event.contains(db, "after_commit", _notify):
        event.listen(db, "after_commit", _notify)


def config_version(db: Session) -> tuple[int, str]:
    """The configuration version: id and token of the last change ((0, '') before any)."""
    row = db.execute(select(RiskChange.id, RiskChange.token).order_by(RiskChange.id.desc()).limit(1)).first()
    return (int(row[0]), str(row[1])) if row else (0, "")
