"""The declaration state machine, and the one place that writes its events and audit records.

Every change of a declaration (a transition, a note that changes no status, a re-routing) goes
through the functions here, so the timeline, release-time measurement, notifications and the
audit trail all see the same facts. This module imports no domain above the foundation (audit
records, the acting principal).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clearway.audit.models import AuditRecord
from clearway.audit.service import audit_row
from clearway.auth.schemas import Principal
from clearway.declarations.models import Declaration, DeclarationEvent
from clearway.errors import Conflict, Forbidden, Problem
from clearway.writes import Rows, insert_family, insert_groups, rows_defer

# status -> statuses it may move to. "amended" is not a status: an amendment keeps the status
# and creates a new version.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "lodged": ("accepted", "rejected"),
    "accepted": ("assessed", "cancelled"),
    "assessed": ("channelled", "cancelled"),
    "channelled": ("under_control", "released", "cancelled"),
    "under_control": ("released", "detained", "channelled"),
    "detained": ("released", "under_control"),
    "released": ("cleared", "under_control"),
    "cleared": (),
    "rejected": (),
    "cancelled": (),
}
RELEASABLE = tuple(status for status, targets in TRANSITIONS.items() if "released" in targets)

# Who may move a declaration into a status by hand; automatic steps run as the system actor.
MANUAL_ROLES: dict[str, tuple[str, ...]] = {
    "under_control": ("officer",),
    "released": ("officer",),
    "detained": ("officer",),
    "cleared": ("officer",),
    "channelled": ("officer",),
    "cancelled": ("trader", "officer"),
}

# Before release a trader may amend or cancel unless a control has started; after release only an
# officer may amend (post-release amendment) and nobody cancels (it would be an invalidation).
TRADER_AMENDABLE = ("accepted", "assessed", "channelled")
OFFICER_AMENDABLE = ("accepted", "assessed", "channelled", "under_control", "detained", "released")
TRADER_CANCELLABLE = ("accepted", "assessed", "channelled")
# Nobody cancels goods under control (or detained): once customs have announced an examination, a declaration is not
# invalidated before the control has ended (UCC art. 174(1)), else a declarant could withdraw goods found irregular.
# The control ends first (release, re-routing or detention); the state machine has no edge to "cancelled" from there.
OFFICER_CANCELLABLE = ("accepted", "assessed", "channelled")
UNDER_CONTROL = ("under_control", "detained")

SYSTEM = "system"
SYSTEM_ACTOR = Principal(user_id=0, username=SYSTEM, role=SYSTEM, organisation_id=0, organisation_code=SYSTEM)


def transition_check(*, current: str, target: str) -> None:
    """Raise Conflict when the state machine has no edge from current to target."""
    if target not in TRANSITIONS.get(current, ()):
        raise Conflict([Problem("declaration.transition_invalid", "/status", {"from": current, "to": target})])


def amend_check(*, status: str, role: str) -> None:
    """Raise when a role may not amend a declaration in this status."""
    allowed = OFFICER_AMENDABLE if role == "officer" else TRADER_AMENDABLE if role == "trader" else ()
    if not allowed:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": role})])
    if status not in allowed:
        code = "declaration.amend_needs_officer" if status in OFFICER_AMENDABLE else "declaration.not_amendable"
        raise Conflict([Problem(code, "/status", {"status": status})])


def cancel_check(*, status: str, role: str) -> None:
    """Raise when a role may not cancel a declaration in this status."""
    allowed = OFFICER_CANCELLABLE if role == "officer" else TRADER_CANCELLABLE if role == "trader" else ()
    if not allowed:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": role})])
    if status in UNDER_CONTROL:
        raise Conflict([Problem("declaration.cancel_under_control", "/status", {"status": status})])
    if status not in allowed:
        raise Conflict([Problem("declaration.not_cancellable", "/status", {"status": status})])


def event_row(declaration_id: Any, kind: str, before: str | None, after: str, at: datetime, actor: str,
              actor_org: str, reason: str | None, version: int, code: str | None = None,
              params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The values of one declaration event; `code` and `params` let a page say the reason in its language."""
    return {"declaration_id": declaration_id, "kind": kind, "from_status": before, "to_status": after,
            "at": at, "actor": actor, "actor_org": actor_org, "reason": reason, "version": version,
            "reason_code": code, "reason_params": params}


def _write(db: Session, actor: Principal, declaration: Declaration, kind: str, before: str, after: str,
           reason: str | None, detail: dict[str, Any], now: datetime, code: str | None = None,
           params: dict[str, Any] | None = None) -> None:
    # Sessions here do not autoflush: write what the caller changed first, so it is there with its event.
    db.flush()
    # The event and its audit record in one statement (one round trip on PostgreSQL): both or neither.
    insert_family(db.connection(), Rows.of(DeclarationEvent, [event_row(
        declaration.id, kind, before, after, now, actor.username, actor.organisation_code, reason,
        declaration.version, code, params)]), [Rows.of(AuditRecord, [audit_row(
            actor=actor.username, actor_org=actor.organisation_code, action=f"declaration.{kind}",
            target_type="declaration", target_id=declaration.mrn, detail=detail, at=now)])])


def declaration_transition(*, db: Session, actor: Principal, declaration: Declaration, target: str,
                           reason: str | None, now: datetime, kind: str | None = None, code: str | None = None,
                           params: dict[str, Any] | None = None) -> Declaration:
    """Move a declaration along one edge of the state machine, with its event and audit record."""
    transition_check(current=declaration.status, target=target)
    before = declaration.status
    declaration.status, declaration.updated_at = target, now
    _write(db, actor, declaration, kind or target, before, target, reason,
           {"from": before, "to": target, "reason": reason}, now, code, params)
    return declaration


def declaration_note(*, db: Session, actor: Principal, declaration: Declaration, kind: str, reason: str | None,
                     now: datetime, code: str | None = None, params: dict[str, Any] | None = None) -> None:
    """Record an event that leaves the status as it is (documents requested, duty adjusted...), audited."""
    _write(db, actor, declaration, kind, declaration.status, declaration.status, reason, {"reason": reason}, now,
           code, params)


def declaration_notes(*, db: Session, actor: Principal, declaration: Declaration,
                      notes: Sequence[tuple[str, str | None, str | None, dict[str, Any] | None]],
                      now: datetime, deferred: bool = False) -> None:
    """Several `declaration_note`s (kind, reason, code, params) in one write: the events and their audit records,
    in the order given. `deferred`: written with the transaction's last write instead (`clearway.writes`)."""
    if not notes:
        return
    db.flush()  # as in _write: what the caller changed goes first
    status = declaration.status
    events = [event_row(declaration.id, kind, status, status, now, actor.username, actor.organisation_code, reason,
                        declaration.version, code, params) for kind, reason, code, params in notes]
    audits = [audit_row(actor=actor.username, actor_org=actor.organisation_code, action=f"declaration.{kind}",
                        target_type="declaration", target_id=declaration.mrn, detail={"reason": reason}, at=now)
              for kind, reason, _code, _params in notes]
    groups = [Rows.of(DeclarationEvent, events), Rows.of(AuditRecord, audits)]
    if deferred:
        rows_defer(db, groups)
    else:
        insert_groups(db.connection(), groups)


def declaration_reroute(*, db: Session, actor: Principal, declaration: Declaration, channel: str,
                        target: str | None, reason: str, now: datetime) -> Declaration:
    """Change a declaration's channel, and its status when `target` is given, audited as a re-routing."""
    declaration.channel = channel
    if target is None:
        declaration_note(db=db, actor=actor, declaration=declaration, kind="rerouted", reason=f"{channel}: {reason}",
                         now=now, code="rerouted", params={"channel": channel, "text": reason})
        return declaration
    return declaration_transition(db=db, actor=actor, declaration=declaration, target=target,
                                  reason=f"{channel}: {reason}", now=now, kind="rerouted", code="rerouted",
                                  params={"channel": channel, "text": reason})
