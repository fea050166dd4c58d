"""Channel decision. Until the risk engine is installed, a documented rule-only default.

The default, in order (the first match wins):
1. red    any item in HS chapter 93 (arms, ammunition) or 36 (explosives): physical inspection;
2. yellow any item in HS chapter 24 (tobacco), 22 (beverages, spirits) or 30 (pharmaceuticals):
          documentary check of licences and excise documents;
3. yellow more than 50 items, or an invoice worth more than 1,000,000 units of its currency;
4. green  everything else: release.
The risk engine replaces this through `channel_decide`, the only function lodging calls, and
stores what it decided through `channel_record`, called once the declaration has its id.
Whatever lodges (API, web form, bulk import, demo seeding) resolves the decider on first use:
the risk engine when its package is present (it answers with this default as long as nothing
is configured), else this default.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """What a decision may need beyond the document: who lodged it, when, and the caller's session."""

    declarant: str
    lodged_at: datetime
    db: Any = None  # the lodging transaction's Session (typed loosely: this module stays import-light)


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


Decider = Callable[[dict[str, Any], Decimal, ChannelContext | None], ChannelDecision]
# Called after the declaration row exists: (session, declaration id, MRN, decision, now).
Recorder = Callable[[Any, int, str, ChannelDecision, datetime], None]


def _default_decider(document: dict[str, Any], total_value: Decimal,
                     _context: ChannelContext | None) -> ChannelDecision:
    return default_channel(document, total_value)


def _no_record(_db: Any, _declaration_id: int, _mrn: str, _decision: ChannelDecision, _now: datetime) -> None:
    return None


_decider: Decider | None = None  # None: not resolved yet (see the module docstring)
_recorder: Recorder = _no_record


def channel_decider_install(decider: Decider, recorder: Recorder | None = None) -> None:
    """Replace the channel decision, and optionally what stores it (the risk engine calls this at start-up)."""
    global _decider, _recorder
    _decider, _recorder = decider, recorder or _no_record


def channel_decider_reset() -> None:
    """Go back to the documented default (tests, and deployments that switch the engine off)."""
    channel_decider_install(_default_decider)


def _resolve() -> Decider:
    """The installed decider; on first use, the risk engine's when that package is present."""
    if _decider is None:
        try:
            from clearway.risk.service import engine_install
        except ModuleNotFoundError as exc:
            if exc.name is None or not "clearway.risk.service".startswith(exc.name):
                raise
            channel_decider_reset()
        else:
            engine_install()
    assert _decider is not None
    return _decider


def channel_decide(*, document: dict[str, Any], total_value: Decimal,
                   context: ChannelContext | None = None) -> ChannelDecision:
    """The channel for an accepted, assessed declaration."""
    return _resolve()(document, total_value, context)


def channel_record(*, db: Any, declaration_id: int, mrn: str, decision: ChannelDecision, now: datetime) -> None:
    """Let the installed engine store its decision in the lodging transaction (the default stores nothing more)."""
    _recorder(db, declaration_id, mrn, decision, now)
