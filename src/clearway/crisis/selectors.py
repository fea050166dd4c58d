"""Reads of crisis operations, for other domains and the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.crisis.models import CrisisConflict, CrisisLink, CrisisNode, EmergencyDecision, EmergencyProfile
from clearway.declarations.models import Declaration, DeclarationEvent

CACHE = "crisis.profiles"
_ALL_PROFILES = select(EmergencyProfile).order_by(EmergencyProfile.id)  # built once: every lodgement reads it


def _profiles(db: Session) -> list[EmergencyProfile]:
    """Every profile, read once per transaction (lodging asks twice per declaration; the writes below drop it)."""
    transaction = db.get_transaction()
    cached = db.info.get(CACHE)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return list(cached[1])
    rows = list(db.scalars(_ALL_PROFILES))
    if transaction is not None:
        db.info[CACHE] = (transaction, rows)
    return rows


def profiles_changed(db: Session) -> None:
    """Forget this transaction's profiles: one was declared or lifted."""
    db.info.pop(CACHE, None)


def emergency_active(*, db: Session, now: datetime, office: str | None = None,
                     doc: dict[str, Any] | None = None) -> list[EmergencyProfile]:
    """Profiles in force at `now` (activated, not yet lifted, end time not passed: they end even if no job ran),
    matching the scope; `now` may be a past lodgement time (a replayed history)."""
    return [p for p in _profiles(db) if p.activated_at <= now < p.expires_at
            and (p.lifted_at is None or p.lifted_at > now) and _in_scope(p.scope, office, doc)]


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


def nodes_list(*, db: Session) -> list[CrisisNode]:
    """Every provisioned node, by post."""
    return list(db.scalars(select(CrisisNode).order_by(CrisisNode.post)))


def emergency_state(profile: EmergencyProfile, now: datetime) -> Literal["active", "expired", "lifted"]:
    """active, expired (its end time passed) or lifted (by a manager before its end)."""
    if profile.lifted_at is not None:
        return "expired" if profile.lifted_by == "system" or profile.lifted_at >= profile.expires_at else "lifted"
    return "active" if profile.expires_at > now else "expired"


def emergencies_list(*, db: Session, limit: int = 200) -> list[EmergencyProfile]:
    """Profiles, newest first."""
    return list(db.scalars(select(EmergencyProfile).order_by(EmergencyProfile.id.desc()).limit(limit)))


def emergency_get(*, db: Session, profile_id: int) -> EmergencyProfile | None:
    """One profile."""
    return db.get(EmergencyProfile, profile_id)


def notices_public(*, db: Session, now: datetime) -> list[EmergencyProfile]:
    """The public profiles in force now, soonest end first (what the public portal announces)."""
    return list(db.scalars(select(EmergencyProfile).where(
        EmergencyProfile.public.is_(True), EmergencyProfile.lifted_at.is_(None), EmergencyProfile.expires_at > now)
        .order_by(EmergencyProfile.expires_at)))


def notice_text(profile: EmergencyProfile, locale: str) -> str:
    """The notice in the reader's language, English when it was not given in it."""
    notice = profile.notice or {}
    return str(notice.get(locale) or notice.get("en") or profile.reason)


def emergency_summary(*, db: Session, profile: EmergencyProfile, recent: int = 50) -> dict[str, Any]:
    """What passed under a profile: decisions by resulting channel, audit flags, released and held now."""
    rows = db.execute(select(EmergencyDecision, Declaration.status).join(
        Declaration, Declaration.id == EmergencyDecision.declaration_id).where(
        EmergencyDecision.profile_id == profile.id).order_by(EmergencyDecision.id.desc())).all()
    by_channel: dict[str, int] = {}
    for decision, _status in rows:
        by_channel[decision.channel_after] = by_channel.get(decision.channel_after, 0) + 1
    released = sum(1 for _d, status in rows if status in ("released", "cleared"))
    return {"decisions": len(rows), "by_channel": by_channel,
            "post_clearance_audit": sum(1 for d, _s in rows if d.post_clearance_audit), "released": released,
            "held": len(rows) - released,
            "recent": [{"mrn": d.mrn, "office": d.office, "effect": d.effect, "channel_before": d.channel_before,
                        "channel_after": d.channel_after, "post_clearance_audit": d.post_clearance_audit,
                        "decided_at": d.decided_at, "status": s} for d, s in rows[:recent]]}


def declarations_outcome(*, db: Session, ids: list[int], profiles: list[int]) -> dict[str, Any]:
    """Where declarations stand now (released or held, by channel) and how many were decided under the profiles."""
    rows = db.execute(select(Declaration.status, Declaration.channel).where(Declaration.id.in_(ids))).all() \
        if ids else []
    by_channel: dict[str, int] = {}
    for _status, channel in rows:
        by_channel[str(channel)] = by_channel.get(str(channel), 0) + 1
    released = sum(1 for status, _c in rows if status in ("released", "cleared"))
    decided = list(db.scalars(select(EmergencyDecision).where(EmergencyDecision.declaration_id.in_(ids),
                                                              EmergencyDecision.profile_id.in_(profiles)))) \
        if ids and profiles else []
    holds: dict[str, int] = {}
    # Why goods wait: the hold codes written on lodging ("held" events), and controls in progress.
    for kind, params in (db.execute(select(DeclarationEvent.kind, DeclarationEvent.reason_params).where(
            DeclarationEvent.declaration_id.in_(ids), DeclarationEvent.kind.in_(("held", "awaiting_payment",
                                                                                  "control_started")))).all()
                         if ids else []):
        codes = [h.get("code", "?") for h in (params or {}).get("holds", [])] if kind == "held" else [kind]
        for code in codes:
            holds[code] = holds.get(code, 0) + 1
    released_at = select(DeclarationEvent.at, Declaration.lodged_at).join(
        Declaration, Declaration.id == DeclarationEvent.declaration_id).where(
        DeclarationEvent.declaration_id.in_(ids), DeclarationEvent.to_status == "released",
        DeclarationEvent.from_status != "released")
    waits = sorted((at - lodged).total_seconds() for at, lodged in (db.execute(released_at).all() if ids else []))
    return {"released": released, "held": len(rows) - released, "by_channel": by_channel, "holds": holds,
            "release_s": {"median": waits[len(waits) // 2], "max": waits[-1]} if waits else None,
            "under": len({d.declaration_id for d in decided}),
            "post_clearance_audit": len({d.declaration_id for d in decided if d.post_clearance_audit})}


RECENT_DAYS = 90  # a trader who lodged in the scope this recently is affected by a mode there
GOODS_SCAN = 20_000  # newest lodgements read to match a goods or origin scope (bounded: activation stays quick)


def traders_in_scope(*, db: Session, scope: dict[str, list[str]], now: datetime) -> list[str]:
    """The declarants who lodged in a profile's scope (offices, goods, origins) in the last RECENT_DAYS days."""
    since = Declaration.lodged_at >= now - timedelta(days=RECENT_DAYS)
    offices = Declaration.office.in_(scope["offices"]) if scope.get("offices") else since
    if not scope.get("hs_prefixes") and not scope.get("origins"):
        return sorted(db.scalars(select(Declaration.declarant_id).where(since, offices).distinct()))
    rows = db.execute(select(Declaration.declarant_id, Declaration.document).where(since, offices)
                      .order_by(Declaration.id.desc()).limit(GOODS_SCAN))
    return sorted({declarant for declarant, doc in rows if _in_scope(scope, None, doc)})


def plan_activations(*, db: Session, now: datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (plan id, event): the profiles in force under it and their end, or the end of its latest activation."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for profile in _profiles(db):
        params = profile.params or {}
        if not params.get("plan") or not params.get("event"):
            continue  # declared by hand, not by a plan
        entry = found.setdefault((str(params["plan"]), str(params["event"])),
                                 {"active": [], "ends_at": None, "last_ended": None})
        if emergency_state(profile, now) == "active":
            entry["active"].append(profile.id)
            entry["ends_at"] = max(filter(None, (entry["ends_at"], profile.expires_at)))
        else:
            ended = profile.lifted_at or profile.expires_at
            entry["last_ended"] = max(filter(None, (entry["last_ended"], ended)))
    return found
