"""What an emergency profile does to selection: the channel decider of the wiring, wrapped.

The risk engine decides first and keeps its own record (its labels stay honest: they show what the
engine said, and a surge's dropped controls are recorded here, so nobody reads them as "inspected, nothing
found"); the profiles in force for the declaration's office and goods then adjust the channel, and
each adjustment is recorded with the profile's id. Release still goes through the one release decision,
so duty, agency, permit and control holds apply to goods under any profile.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from clearway.crisis import selectors
from clearway.crisis.models import EmergencyDecision, EmergencyProfile
from clearway.declarations.channelling import ChannelContext, ChannelDecision

RULE = "crisis.emergency"
# Lightening effects apply before hardening ones, so a stricter profile in force wins.
ORDER = {"green_lane": 0, "lighter": 1, "capacity": 2, "hold": 3, "documentary": 4}
# Under a surge only these sources may be thinned out: the model's pick within capacity and the random draw.
# Rule and watchlist hits are mandatory controls; a physical inspection (red) is never lightened.
THINNABLE = {"model", "random"}
DEFAULT_SHARE = 0.5
# Relief and priority goods go lighter, but a control a rule or a watchlist asked for is still carried out.
MANDATORY = {"rule", "watchlist"}
TEXT = {
    "lighter": "emergency profile {id} ({kind}): released, post-clearance audit",
    "green_lane": "emergency profile {id} ({kind}): priority green lane",
    "documentary": "emergency profile {id} ({kind}): documentary check of every consignment",
    "hold": "emergency profile {id} ({kind}): release suspended while it lasts",
    "capacity": "emergency profile {id} ({kind}): reduced inspection capacity, control left for post-clearance audit",
    "capacity_kept": "emergency profile {id} ({kind}): reduced inspection capacity, this control kept",
}


def surge_share(params: dict[str, Any] | None, source: str) -> float:
    """The share of the model's picks ("model") or of the random draw ("random") a surge keeps."""
    params = params or {}
    capacity = float(params.get("capacity_share", DEFAULT_SHARE))
    return float(params.get("random_share", capacity)) if source == "random" else capacity


def surge_draw(key: str, profile_id: int) -> float:
    """A uniform number in [0, 1) fixed by the declaration and the profile, so a retried lodgement draws the same."""
    digest = hashlib.sha256(f"{profile_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def capacity_channel(channel: str, record: dict[str, Any] | None, params: dict[str, Any] | None,
                     draw: float) -> tuple[str, bool, bool]:
    """The channel under reduced capacity, whether the goods are flagged for post-clearance audit, and whether
    the surge touched this decision at all (it touches only controls chosen by the model or the random draw)."""
    sources = set((record or {}).get("sources", []))
    if channel in ("green", "red") or not sources or not sources <= THINNABLE:
        return channel, False, False
    share = min(surge_share(params, s) for s in sources)
    return (channel, False, True) if draw < share else ("green", True, True)


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


def emergency_apply(decision: ChannelDecision, profiles: list[EmergencyProfile], office: str = "",
                    key: str = "") -> ChannelDecision:
    """The decision with every profile's effect applied in order, each step explained in the reasons.

    `key` identifies the lodgement (declarant and LRN) for a surge's draw of which controls it keeps.
    """
    channel, reasons = decision.channel, list(decision.reasons)
    for profile in sorted(profiles, key=lambda p: (ORDER.get(p.effect, 9), p.id)):
        text = TEXT.get(profile.effect, TEXT["hold"])
        if profile.effect == "capacity":
            after, audit, touched = capacity_channel(channel, decision.record, profile.params,
                                                     surge_draw(key, profile.id))
            if not touched:
                continue  # a mandatory control or a green lodgement: the surge does not apply to it
            text = TEXT["capacity"] if after != channel else TEXT["capacity_kept"]
        elif profile.effect in ("lighter", "green_lane") and channel in ("yellow", "red") and \
                MANDATORY & set((decision.record or {}).get("sources", [])):
            continue  # the rule's or watchlist's control is carried out: the profile does not apply to it
        else:
            after, audit = effect_channel(channel, profile.effect)
        reasons.append({"rule": RULE, "profile": profile.id, "kind": profile.kind, "effect": profile.effect,
                        "before": channel, "after": after, "post_clearance_audit": audit, "office": office,
                        "text": text.format(id=profile.id, kind=profile.kind)})
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
        key = f"{context.declarant}:{document.get('lrn', '')}"
        return emergency_apply(decision, profiles, office, key) if profiles else decision

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
