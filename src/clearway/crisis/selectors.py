"""Reads of crisis operations, for other domains and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.crisis.models import CrisisConflict, CrisisLink, CrisisNode, EmergencyProfile


def emergency_active(*, db: Session, now: datetime, office: str | None = None,
                     doc: dict[str, Any] | None = None) -> list[EmergencyProfile]:
    """Profiles in force now (not lifted, expiry not passed: they end even if no job ran), matching the scope."""
    rows = db.scalars(select(EmergencyProfile).where(EmergencyProfile.lifted_at.is_(None),
                                                     EmergencyProfile.expires_at > now)).all()
    return [p for p in rows if _in_scope(p.scope, office, doc)]


def _in_scope(scope: dict[str, list[str]], office: str | None, doc: dict[str, Any] | None) -> bool:
    if scope.get("offices") and office is not None and office not in scope["offices"]:
        return False
    if doc is None:
        return True
    items = doc.get("items", [])
    if scope.get("hs_prefixes") and not any(i["hs_code"].startswith(tuple(scope["hs_prefixes"])) for i in items):
        return False
    return not (scope.get("origins") and not any(i.get("origin_country") in scope["origins"] for i in items))


def conflicts_open(*, db: Session, post: str | None = None) -> list[CrisisConflict]:
    """The open reconciliation tasks, oldest first."""
    q = select(CrisisConflict).where(CrisisConflict.state == "open").order_by(CrisisConflict.id)
    if post is not None:
        q = q.where(CrisisConflict.post == post)
    return list(db.scalars(q))


def link_of(*, db: Session, offline_ref: str) -> CrisisLink | None:
    """The national record of an offline reference."""
    return db.scalars(select(CrisisLink).where(CrisisLink.offline_ref == offline_ref)).first()


def emergency_report(*, db: Session, profile: EmergencyProfile, links: list[CrisisLink]) -> dict[str, Any]:
    """What passed under a profile: its window and the offline declarations reconciled in it."""
    end = profile.lifted_at or profile.expires_at
    inside = [lk for lk in links if profile.activated_at <= lk.reconciled_at <= end]
    return {"id": profile.id, "kind": profile.kind, "from": profile.activated_at.isoformat(),
            "to": end.isoformat(), "declarations": len(inside)}


def node_of(*, db: Session, post: str) -> CrisisNode | None:
    """The node the centre provisioned for a post."""
    return db.get(CrisisNode, post)
