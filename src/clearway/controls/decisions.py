"""An officer's decisions on a declaration's goods, by name: release, detain, lift detention, re-route, clear.

The pages' confirmation forms use this; each decision is the same service call the JSON API makes
(`decisions_router`), so the one release decision and its holds apply however it is asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls.release import declaration_detain, declaration_reroute, detention_lift
from clearway.declarations.models import Declaration
from clearway.errors import Problem, ValidationFailed
from clearway.holds import Release

ACTIONS = ("release", "detain", "lift", "reroute", "clear")
CHANNELS = ("red", "green")


def decisions_open(declaration: Declaration) -> list[str]:
    """The decisions that the declaration's state allows now, in the order the page offers them."""
    status = declaration.status
    found = []
    if status in ("channelled", "under_control", "detained"):
        found.append("release")
    if status == "under_control":
        found.append("detain")
    if status == "detained":
        found.append("lift")
    if status in ("under_control", "released"):
        found.append("reroute")
    if status == "released":
        found.append("clear")
    return found


def reroute_targets(declaration: Declaration) -> list[str]:
    """The channels a supervisor may move the declaration to."""
    if declaration.status == "released":
        return ["red"]
    return [c for c in CHANNELS if c != declaration.channel]


def decision_apply(*, db: Session, actor: Principal, declaration: Declaration, action: str, reason: str,
                   channel: str | None, release: Release, now: datetime) -> None:
    """Apply one named decision with its reason; refused with coded problems as the API refuses it."""
    problems = []
    if action not in ACTIONS:
        problems.append(Problem("field.choice", "/action", {"field": "action"}))
    if len(reason) < 3:
        problems.append(Problem("control.reason_required", "/reason", {}))
    if action == "reroute" and channel not in CHANNELS:
        problems.append(Problem("control.channel_required", "/channel", {}))
    if problems:
        raise ValidationFailed(problems)
    if action == "release":
        release.decide(db=db, actor=actor, declaration=declaration, reason=reason, now=now)
    elif action == "clear":
        release.clear(db=db, actor=actor, declaration=declaration, reason=reason, now=now)
    elif action == "detain":
        declaration_detain(db=db, actor=actor, declaration=declaration, reason=reason, now=now)
    elif action == "lift":
        detention_lift(db=db, actor=actor, declaration=declaration, reason=reason, now=now)
    else:
        declaration_reroute(db=db, actor=actor, declaration=declaration, channel=str(channel), reason=reason,
                            release=release, now=now)
