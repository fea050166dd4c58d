"""Watchlist service: add, change and withdraw entries (audited), and load the active ones for matching."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.errors import NotFound, Problem
from clearway.risk.api.schemas import WatchlistDraft
from clearway.risk.engine.changes import change_record
from clearway.risk.models import WatchlistEntry
from clearway.risk.rules.watchlist_index import LiveEntry, WatchlistIndex

_FIELDS = ("kind", "name", "party_id", "country", "threshold", "severity", "source", "note", "expires_at")


def _detail(entry: WatchlistEntry) -> dict[str, object]:
    return {f: (str(getattr(entry, f)) if f == "expires_at" and entry.expires_at else getattr(entry, f))
            for f in _FIELDS}


def entry_create(*, db: Session, actor: Principal, draft: WatchlistDraft, now: datetime) -> WatchlistEntry:
    """Add an entry to a watchlist."""
    entry = WatchlistEntry(**draft.model_dump(), active=True, created_by=actor.username, created_at=now,
                           updated_at=now)
    db.add(entry)
    db.flush()
    change_record(db=db, actor=actor, kind="watchlist.added", target_type="risk_watchlist", target_id=str(entry.id),
                  detail=_detail(entry), now=now)
    return entry


def entry_get(*, db: Session, entry_id: int) -> WatchlistEntry:
    """An entry by id, or NotFound."""
    entry = db.get(WatchlistEntry, entry_id)
    if entry is None:
        raise NotFound([Problem("risk.watchlist_not_found", "", {"id": entry_id})])
    return entry


def entry_update(*, db: Session, actor: Principal, entry: WatchlistEntry, draft: WatchlistDraft,
                 now: datetime) -> WatchlistEntry:
    """Replace an entry's details (the audit record keeps what it was)."""
    before = _detail(entry)
    for name, value in draft.model_dump().items():
        setattr(entry, name, value)
    entry.updated_at = now
    change_record(db=db, actor=actor, kind="watchlist.changed", target_type="risk_watchlist",
                  target_id=str(entry.id), detail={"before": before, "after": _detail(entry)}, now=now)
    db.flush()
    return entry


def entry_withdraw(*, db: Session, actor: Principal, entry: WatchlistEntry, now: datetime) -> WatchlistEntry:
    """Take an entry off its list; it stays stored for the record."""
    entry.active, entry.updated_at = False, now
    change_record(db=db, actor=actor, kind="watchlist.withdrawn", target_type="risk_watchlist",
                  target_id=str(entry.id), detail=_detail(entry), now=now)
    db.flush()
    return entry


def entries_list(*, db: Session, kind: str | None = None, include_withdrawn: bool = False) -> list[WatchlistEntry]:
    """Entries, newest first, of one list or all."""
    query = select(WatchlistEntry).order_by(WatchlistEntry.id.desc())
    if kind:
        query = query.where(WatchlistEntry.kind == kind)
    if not include_withdrawn:
        query = query.where(WatchlistEntry.active.is_(True))
    return list(db.scalars(query.limit(5000)))


def live_entry(entry: WatchlistEntry) -> LiveEntry:
    """The matching view of a stored entry."""
    return LiveEntry(entry.id, entry.kind, entry.name, entry.party_id, entry.country, entry.threshold,
                     entry.severity, entry.source, entry.expires_at)


def watchlists_active(*, db: Session, now: datetime) -> WatchlistIndex:
    """Every active entry not yet expired, indexed for matching."""
    rows = db.scalars(select(WatchlistEntry).where(WatchlistEntry.active.is_(True)))
    return WatchlistIndex(live_entry(e) for e in rows if e.expires_at is None or e.expires_at > now)
