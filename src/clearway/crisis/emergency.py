"""What an emergency profile does to selection: the channel decider of the wiring, wrapped.

The risk engine decides first and keeps its own record (its labels stay honest: they show what the
engine said); the profiles in force for the declaration's office and goods then adjust the channel, and
each adjustment is recorded with the profile's id. Release still goes through the one release decision,
so duty, agency, permit and control holds apply to goods under any profile.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from clearway.crisis import selectors
from clearway.crisis.models import EmergencyDecision, EmergencyProfile
from clearway.declarations.channelling import ChannelContext, ChannelDecision

RULE = "crisis.emergency"
# Lightening effects apply before hardening ones, so a stricter profile in force wins.
ORDER = {"green_lane": 0, "lighter": 1, "hold": 2, "documentary": 3}
TEXT = {
    "lighter": "emergency profile {id} ({kind}): released, post-clearance audit",
    "green_lane": "emergency profile {id} ({kind}): priority green lane",
    "documentary": "emergency profile {id} ({kind}): documentary check of every consignment",
    "hold": "emergency profile {id} ({kind}): release suspended while it lasts",
}


def effect_channel(channel: str, effect: str) -> tuple[str, bool]:
    """The channel under one effect and whether the goods are flagged for post-clearance audit.

    A physical inspection (red) is never lightened: safety and security risks are still examined.
    """
    if channel == "red":
        return channel, False
    if effect == "lighter":
        return "blue", True
    if effect == "green_lane":
        return ("green", False) if channel in ("green", "yellow") else (channel, channel == "blue")
    if effect == "documentary":
        return "yellow", False
    return channel, channel == "blue"  # hold: selection unchanged, the release decision holds


def emergency_apply(decision: ChannelDecision, profiles: list[EmergencyProfile], office: str = "") -> ChannelDecision:
    """The decision with every profile's effect applied in order, each step explained in the reasons."""
    channel, reasons = decision.channel, list(decision.reasons)
    for profile in sorted(profiles, key=lambda p: (ORDER.get(p.effect, 9), p.id)):
        after, audit = effect_channel(channel, profile.effect)
        reasons.append({"rule": RULE, "profile": profile.id, "effect": profile.effect, "before": channel,
                        "after": after, "post_clearance_audit": audit, "office": office,
                        "text": TEXT.get(profile.effect, TEXT["hold"]).format(id=profile.id, kind=profile.kind)})
        channel = after
    return replace(decision, channel=channel, reasons=reasons)


def decisions_under(decision: ChannelDecision) -> list[dict[str, Any]]:
    """The profile steps a decision carries (empty when no profile was in force)."""
    return [r for r in decision.reasons if r.get("rule") == RULE]


class EmergencyChannel:
    """A channel decider that applies the emergency profiles in force on top of another one."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        # The engine's own operations (invalidate, draw...) stay reachable through the wrapper.
        return getattr(self.inner, name)

    def decide(self, *, document: dict[str, Any], total_value: Decimal, context: ChannelContext) -> ChannelDecision:
        """The inner decision, adjusted by the profiles in force for this office and these goods."""
        decision: ChannelDecision = self.inner.decide(document=document, total_value=total_value, context=context)
        if context.db is None:
            return decision
        office = str(document.get("office", ""))
        profiles = selectors.emergency_active(db=context.db, now=context.lodged_at, office=office, doc=document)
        return emergency_apply(decision, profiles, office) if profiles else decision

    def record(self, *, db: Any, declaration_id: int, mrn: str, decision: ChannelDecision, now: datetime) -> None:
        """The inner engine's record, and one row per profile the decision was taken under."""
        self.inner.record(db=db, declaration_id=declaration_id, mrn=mrn, decision=decision, now=now)
        steps = decisions_under(decision)
        if not steps:
            return
        for step in steps:
            db.add(EmergencyDecision(profile_id=step["profile"], declaration_id=declaration_id, mrn=mrn,
                                     office=step["office"], effect=step["effect"], channel_before=step["before"],
                                     channel_after=step["after"], post_clearance_audit=step["post_clearance_audit"],
                                     decided_at=now))
        db.flush()
