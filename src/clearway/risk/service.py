"""What other domains use of the risk engine: the channel decider for the wiring, and reading a decision.

The engine's own services live beside this file (`rules`, `watchlists`, `registry`, `selection`,
`thresholds`, `testrun`, `reference`, `drift`); other domains call only the functions here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations import channelling
from clearway.risk.engine.decision import ENGINE
from clearway.risk.engine.degraded import CODE as DEGRADED_CODE
from clearway.risk.engine.live import Engine, engine
from clearway.risk.models import RiskDecision


def channel_engine() -> Engine:
    """This process's risk engine, the channel decider of the wiring (the documented default until configured)."""
    return engine


@dataclass(frozen=True)
class DecisionView:
    """A declaration's channel decision as an officer reads it."""

    engine: str
    channel: str | None
    reasons: list[str]
    sources: list[str] = field(default_factory=list)
    random_pick: bool = False
    aeo: bool = False
    score: float | None = None
    model_version: str | None = None
    shadow_score: float | None = None
    shadow_version: str | None = None
    rule_hits: list[dict[str, Any]] = field(default_factory=list)
    watchlist_hits: list[dict[str, Any]] = field(default_factory=list)
    contributions: list[dict[str, Any]] = field(default_factory=list)
    rule_errors: list[dict[str, Any]] = field(default_factory=list)
    decided_at: datetime | None = None
    degraded: str | None = None  # the cause when the engine decided in degraded mode (fallback channel)
    # When the model selected: the objective its office ranks by and the values behind it (from the reason).
    objective: str | None = None
    critical_score: float | None = None
    expected_revenue: float | None = None


def decision_view(*, db: Session, declaration_id: int, channel: str | None,
                  channel_reasons: list[Any]) -> DecisionView:
    """The stored risk decision of a declaration, or the default rules' reasons when the engine did not decide."""
    row = db.scalar(select(RiskDecision).where(RiskDecision.declaration_id == declaration_id))
    if row is None:
        texts = [str(r.get("text", "")) for r in channel_reasons if isinstance(r, dict)]
        return DecisionView(engine=channelling.ChannelDecision("green").engine, channel=channel, reasons=texts)
    texts = [r["text"] for r in channel_reasons if isinstance(r, dict) and r.get("rule") == DEGRADED_CODE]
    texts += [h["text"] for h in row.rule_hits] + [h["text"] for h in row.watchlist_hits]
    texts += [c["text"] for c in row.contributions]
    if row.random_pick:
        texts.append("random compliance sample")
    picked = next((r for r in channel_reasons if isinstance(r, dict) and r.get("rule") == "model"), {})
    return DecisionView(
        engine=ENGINE, channel=row.channel, reasons=texts, sources=list(row.sources),
        random_pick=row.random_pick, aeo=row.aeo, score=row.score, model_version=row.model_version,
        shadow_score=row.shadow_score, shadow_version=row.shadow_version, rule_hits=list(row.rule_hits),
        watchlist_hits=list(row.watchlist_hits), contributions=list(row.contributions),
        rule_errors=list(row.rule_errors), decided_at=row.decided_at, degraded=row.degraded,
        objective=picked.get("objective"), critical_score=picked.get("critical_score"),
        expected_revenue=picked.get("expected_revenue"))
