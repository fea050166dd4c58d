"""Channel decision. Until the risk engine is installed, a documented rule-only default.

The default, in order (the first match wins):
1. red    any item in HS chapter 93 (arms, ammunition) or 36 (explosives): physical inspection;
2. yellow any item in HS chapter 24 (tobacco), 22 (beverages, spirits) or 30 (pharmaceuticals):
          documentary check of licences and excise documents;
3. yellow more than 50 items, or an invoice worth more than 1,000,000 units of its currency;
4. green  everything else: release.
The risk engine replaces this through `channel_decide`, the only function lodging calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ChannelDecision:
    """A channel and the reasons an officer will read."""

    channel: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    engine: str = "default-rules-v1"


RED_CHAPTERS = {"93": "arms and ammunition", "36": "explosives"}
YELLOW_CHAPTERS = {"24": "tobacco", "22": "beverages and spirits", "30": "pharmaceuticals"}


def default_channel(document: dict[str, Any], total_value: Decimal) -> ChannelDecision:
    """The rule-only default channel described in this module's docstring."""
    items = document.get("items", [])
    for i, item in enumerate(items):
        chapter = item["hs_code"][:2]
        if chapter in RED_CHAPTERS:
            return ChannelDecision("red", [{"rule": "default.sensitive_goods", "item": i,
                                            "text": f"item {i + 1}: {RED_CHAPTERS[chapter]} (HS {chapter})"}])
    for i, item in enumerate(items):
        chapter = item["hs_code"][:2]
        if chapter in YELLOW_CHAPTERS:
            text = f"item {i + 1}: {YELLOW_CHAPTERS[chapter]} need licence checks"
            return ChannelDecision("yellow", [{"rule": "default.licensed_goods", "item": i, "text": text}])
    if len(items) > 50 or total_value > Decimal(1_000_000):
        return ChannelDecision("yellow", [{"rule": "default.large_consignment",
                                           "text": "large consignment: documentary check"}])
    return ChannelDecision("green", [{"rule": "default.no_risk", "text": "no risk indicator: release"}])


Decider = Callable[[dict[str, Any], Decimal], ChannelDecision]
_decider: Decider = default_channel


def channel_decider_install(decider: Decider) -> None:
    """Replace the channel decision (the risk engine calls this once at start-up)."""
    global _decider
    _decider = decider


def channel_decide(*, document: dict[str, Any], total_value: Decimal) -> ChannelDecision:
    """The channel for an accepted, assessed declaration."""
    return _decider(document, total_value)
