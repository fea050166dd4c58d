"""Single-window reads, each scoped to who asks: a trader its own permits, an agency what was referred
or applied to it, customs everything. Reads of referred declaration data are audited."""

from __future__ import annotations

from datetime import datetime
from statistics import median, quantiles
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from clearway.agencies.models import Permit, Referral
from clearway.agencies.registry import agencies_of
from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.declarations.models import Declaration
from clearway.errors import NotFound, Problem

STATES = ("open", "overdue", "decided", "all")


def _permits_scoped(db: Session, actor: Principal) -> Select[Any]:
    query = select(Permit)
    if actor.role == "trader":
        return query.where(Permit.holder == actor.organisation_code)
    if actor.role == "agency":
        return query.where(Permit.agency.in_(agencies_of(db, actor) or {""}))
    if actor.is_customs:
        return query
    return query.where(Permit.id < 0)


def within_target(ids: list[str], size: int = 64) -> str:
    """As many whole ids, comma-separated, as an audit row's target holds (PostgreSQL refuses a longer one)."""
    shown = ""
    for i in ids:
        if len(shown) + len(i) + (1 if shown else 0) > size:
            break
        shown = f"{shown},{i}" if shown else i
    return shown


def _audit_read(db: Session, actor: Principal, action: str, target: str, detail: dict[str, Any],
                now: datetime) -> None:
    """Agencies' and customs staff's reads of a trader's applications are audited (a trader's own are not)."""
    if actor.role != "trader":
        audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=action,
                     target_type="permit", target_id=target, detail=detail, at=now)


def permits_list(*, db: Session, actor: Principal, status: str | None, now: datetime,
                 limit: int = 200) -> list[Permit]:
    """The permits and applications the actor may see, newest first."""
    query = _permits_scoped(db, actor)
    if status:
        query = query.where(Permit.status == status)
    rows = list(db.scalars(query.order_by(Permit.id.desc()).limit(limit)))
    numbers = [p.number for p in rows]
    _audit_read(db, actor, "permit.list", within_target(numbers) or "-",
                {"status": status, "count": len(rows), "numbers": numbers}, now)
    return rows


def permit_for(*, db: Session, actor: Principal, number: str, now: datetime, lock: bool = False) -> Permit:
    """One permit the actor may see (404 for any other: another trader's permit does not exist for you)."""
    query = _permits_scoped(db, actor).where(Permit.number == number)
    permit: Permit | None = db.scalar(query.with_for_update() if lock else query)
    if permit is None:
        raise NotFound([Problem("permit.not_found", "", {})])
    _audit_read(db, actor, "permit.read", permit.number, {}, now)
    return permit


def referrals_inbox(*, db: Session, actor: Principal, state: str, mrn: str | None, agency: str | None, now: datetime,
                    limit: int = 200) -> list[Referral]:
    """An agency's inbox (customs staff: every agency's), filtered, oldest due first; the read is audited."""
    query = select(Referral).where(Referral.superseded.is_(False))
    if actor.role == "agency":
        query = query.where(Referral.agency.in_(agencies_of(db, actor) or {""}))
    elif not actor.is_customs:
        query = query.where(Referral.id < 0)
    if agency:
        query = query.where(Referral.agency == agency)
    if mrn:
        query = query.where(Referral.mrn == mrn)
    if state == "open":
        query = query.where(Referral.decision.is_(None) | Referral.decision.in_(("sample", "joint_inspection")))
    elif state == "overdue":
        query = query.where(Referral.decision.is_(None), Referral.overdue.is_(True) | (Referral.due_at < now))
    elif state == "decided":
        query = query.where(Referral.decision.in_(("release", "refuse", "conditions")))
    rows = list(db.scalars(query.order_by(Referral.due_at, Referral.id).limit(limit)))
    ids = [str(r.id) for r in rows]
    shown = within_target(ids)
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="referral.list",
                 target_type="referral", target_id=shown or "-",
                 detail={"state": state, "count": len(rows), "ids": ids}, at=now)
    return rows


def referral_audited(*, db: Session, actor: Principal, referral: Referral, now: datetime) -> Referral:
    """Record that the actor read the referred declaration data."""
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="referral.read",
                 target_type="declaration", target_id=referral.mrn, detail={"referral": referral.id}, at=now)
    return referral


def declaration_referred(*, db: Session, actor: Principal, mrn: str) -> Declaration:
    """A declaration an agency user may touch because it was referred to one of its agencies (404 otherwise)."""
    declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
    mine = agencies_of(db, actor)
    if declaration is None or not mine or db.scalar(select(Referral.id).where(
            Referral.declaration_id == declaration.id, Referral.agency.in_(mine)).limit(1)) is None:
        raise NotFound([Problem("declaration.not_found", "", {})])
    return declaration


def _minutes(pairs: list[tuple[datetime, datetime]]) -> list[float]:
    return sorted((end - start).total_seconds() / 60 for start, end in pairs if end >= start)


def _summary(agency: str, kind: str, spans: list[float], opened: int, late: int) -> dict[str, Any]:
    p90 = quantiles(spans, n=10)[-1] if len(spans) >= 2 else (spans[0] if spans else None)
    return {"agency": agency, "kind": kind, "count": len(spans), "median_min": round(median(spans), 1) if spans
            else None, "p90_min": round(p90, 1) if p90 is not None else None,
            "within_10_min_share": round(sum(1 for s in spans if s <= 10) / len(spans), 3) if spans else None,
            "open": opened, "overdue": late}


def processing_times(*, db: Session, since: datetime, now: datetime) -> list[dict[str, Any]]:
    """Referral → decision and application → permit intervals per agency since a time (minutes)."""
    out = []
    referrals: dict[str, list[tuple[datetime, datetime]]] = {}
    waiting: dict[str, list[datetime]] = {}
    for agency, created, decided, deadline in db.execute(
            select(Referral.agency, Referral.created_at, Referral.decided_at, Referral.due_at)
            .where(Referral.created_at >= since, Referral.fallback.is_(None))):
        if decided is not None:
            referrals.setdefault(agency, []).append((created, decided))
        else:
            waiting.setdefault(agency, []).append(deadline)
    permits: dict[str, list[tuple[datetime, datetime]]] = {}
    applied: dict[str, int] = {}
    for agency, status, at, decided in db.execute(select(Permit.agency, Permit.status, Permit.applied_at,
                                                         Permit.decided_at).where(Permit.applied_at >= since)):
        if status == "approved" and decided is not None:
            permits.setdefault(agency, []).append((at, decided))
        elif status in ("applied", "info_requested"):
            applied[agency] = applied.get(agency, 0) + 1
    for agency in sorted(set(referrals) | set(waiting) | set(permits) | set(applied)):
        due = waiting.get(agency, [])
        out.append(_summary(agency, "referral_to_decision", _minutes(referrals.get(agency, [])), len(due),
                            sum(1 for d in due if d < now)))
        out.append(_summary(agency, "application_to_permit", _minutes(permits.get(agency, [])),
                            applied.get(agency, 0), 0))
    return out
