"""Degraded mode: what lodging gets when the risk engine cannot decide, and how that is made visible.

The engine fails closed. When the promoted model cannot be loaded or scored, the rules still run
(rules-only selection) and the channel is at least the office's fallback channel (documentary
check unless configured otherwise, `RiskSettings.degraded_channel` / `degraded_offices`); when
nothing can be evaluated (the snapshot cannot be built, the rules raise, or the decision overruns its
time budget) the foundation's default rules and the fallback decide. Every such decision carries the
reason `risk.degraded` with its cause, is stored with the declaration, counted in
`clearway_risk_degraded_decisions_total`, and the process's `clearway_risk_degraded` gauge reads 1
until a decision succeeds again; the engine's change of mode is an audit record (`risk.degraded`,
`risk.recovered`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from prometheus_client import Counter, Gauge

from clearway.declarations.channelling import ChannelDecision, default_channel
from clearway.risk.rules.ruleset import SEVERITY
from clearway.risk.settings import risk_settings

ENGINE = "risk-engine-v1"
CODE = "risk.degraded"
# Why the engine could not decide normally (stable keys: stored, counted, translated on the officer's page).
CAUSES = {
    "model.unavailable": "the promoted risk model could not be loaded",
    "model.error": "the risk model failed to score",
    "engine.error": "the risk rules could not be evaluated",
    "timeout": "the risk assessment took longer than its time budget",
}
CHECK_TEXT = {"yellow": "documentary check", "red": "physical inspection"}
DEGRADED = Gauge("clearway_risk_degraded", "1 while this process's risk engine decides in degraded mode")
DECISIONS = Counter("clearway_risk_degraded_decisions_total", "Lodgements channelled in degraded mode, by cause",
                    ["cause"])


def fallback_of(office: str) -> str:
    """The channel an office's lodgements get at least while the engine is degraded."""
    return risk_settings().fallback(office)


def reason_of(cause: str, channel: str) -> dict[str, Any]:
    """The channel reason lodging stores and shows: the code, the cause, and a sentence."""
    return {"rule": CODE, "cause": cause,
            "text": f"risk engine degraded ({CAUSES[cause]}): {CHECK_TEXT[channel]} by default"}


def _bare_record(document: dict[str, Any], declarant: str, channel: str) -> dict[str, Any]:
    """The record of a decision no part of the engine could make (only the default rules ran)."""
    return {"office": str(document.get("office")), "direction": str(document.get("type")), "declarant": declarant,
            "aeo": False, "channel": channel, "sources": [], "random_pick": False, "score": None,
            "model_version": None, "shadow_score": None, "shadow_version": None, "rule_hits": [],
            "watchlist_hits": [], "rule_errors": [], "config_version": 0, "explain": None}


def degrade(decision: ChannelDecision | None, *, document: dict[str, Any], total: Decimal, declarant: str,
            cause: str) -> ChannelDecision:
    """A decision raised to the office's fallback channel and flagged degraded.

    `decision` is what could still be evaluated (the rules without the model), or None when nothing
    could: then the foundation's default rules are the baseline.
    """
    office = str(document.get("office"))
    floor = fallback_of(office)
    if decision is None or decision.record is None:
        base = default_channel(document, total)
        record = _bare_record(document, declarant, base.channel)
        record["rule_hits"] = [{"rule_id": None, "version": None, "baseline": r["rule"], "name": r["rule"],
                                "channel": base.channel, "priority": 0, "text": r["text"]}
                               for r in base.reasons if base.channel != "green"]
        if base.channel != "green":
            record["sources"] = ["baseline"]
        decision = ChannelDecision(base.channel, base.reasons if base.channel != "green" else [], engine=ENGINE,
                                   record=record)
    assert decision.record is not None
    channel = max(decision.channel, floor, key=SEVERITY.__getitem__)
    sources = sorted(set(decision.record["sources"] if channel == decision.channel else []) | {"degraded"})
    reasons = [r for r in decision.reasons if r.get("rule") != "risk.no_indicator"]
    record = {**decision.record, "channel": channel, "sources": sources, "degraded": cause}
    if channel != decision.channel:  # their texts named another channel; the default rules' still hold
        reasons = [r for r in reasons if str(r.get("rule", "")).startswith("default.")]
    DECISIONS.labels(cause).inc()
    DEGRADED.set(1)
    return ChannelDecision(channel, [reason_of(cause, channel), *reasons], engine=ENGINE, record=record)


def normal() -> None:
    """Note a decision made normally (the gauge goes back to 0)."""
    DEGRADED.set(0)
