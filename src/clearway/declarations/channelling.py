"""The channel decision's types, and the documented rule-only default.

The default, in order (the first match wins):
1. red    any item in HS chapter 93 (arms, ammunition) or 36 (explosives): physical inspection;
2. yellow any item in HS chapter 24 (tobacco), 22 (beverages, spirits) or 30 (pharmaceuticals):
          documentary check of licences and excise documents;
3. yellow more than 50 items, or an invoice worth more than 1,000,000 units of its currency;
4. green  everything else: release.
Lodging (`clearway.clearance.lodge`) asks the decider in its wiring: the risk engine, which keeps
these rules as its baseline and answers with them while nothing is configured, or `DefaultChannel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ChannelDecision:
    """A channel and the reasons an officer will read; `record` is what the installed engine stores."""

    channel: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    engine: str = "default-rules-v1"
    record: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChannelContext:
    """What a decision may need beyond the document: who lodged it, when, the caller's session, the bill."""

    declarant: str
    lodged_at: datetime
    db: Any = None  # the lodging transaction's Session (typed loosely: this module stays import-light)
    bill: Any = None  # the tariff's bill of this lodgement (clearway.tariff.lodging.Bill), computed before
    # Facts other domains supply for this lodgement (the exchange's `mirror.*`), read by the engine's rules.
    facts: Mapping[str, Any] = field(default_factory=dict)


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


class DefaultChannel:
    """The rule-only channel decider: the documented default, which stores nothing beyond the reasons."""

    def decide(self, *, document: dict[str, Any], total_value: Decimal, context: ChannelContext) -> ChannelDecision:
        """The default channel of a document."""
        return default_channel(document, total_value)

    def record(self, *, db: Any, declaration_id: int, mrn: str, decision: ChannelDecision, now: datetime) -> None:
        """Nothing to store: the reasons are kept with the declaration."""
        return None
