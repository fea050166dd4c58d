"""The channel decision in memory: rules, watchlists, model ranking within capacity, random draw.

`decide` is pure apart from remembering traders it has seen: it takes a `Snapshot` (everything
loaded once per configuration version) and a declaration, and returns the channel, the reasons
lodging stores and shows, and the record the engine keeps with the declaration. The final
channel is the most severe of: the foundation's default rules (kept as a baseline, so that arms
or licensed goods never go unchecked once analysts configure the engine), analyst rules,
watchlist hits, the model's pick within capacity (ranked by the office's objective, which the model
reason names with the three values it is made of), and the random compliance draw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from clearway.declarations.channelling import ChannelDecision, default_channel
from clearway.risk.engine.selection import LiveSetting, Selection
from clearway.risk.ml.inputs import Valuation, model_records
from clearway.risk.ml.scoring import ModelSlot
from clearway.risk.rules.facts import Knowledge, declaration_facts, party_ids
from clearway.risk.rules.ruleset import SEVERITY, RuleSet
from clearway.risk.rules.watchlist_index import WatchlistIndex

ENGINE = "risk-engine-v1"
SELECTED_TEXT = {
    "red": "selected by risk assessment for physical inspection",
    "yellow": "selected by risk assessment for documentary check",
    "blue": "released by risk assessment, subject to post-clearance audit",
    "green": "no risk indicator: release",
}


@dataclass
class Snapshot:
    """Everything a decision needs, loaded once per configuration version."""

    version: tuple[int, str]
    rules: RuleSet
    watchlists: WatchlistIndex
    selection: Selection
    knowledge: Knowledge = field(default_factory=Knowledge)
    model: ModelSlot | None = None
    shadow: ModelSlot | None = None
    loaded_at: float = 0.0
    # A promoted model is registered but its bundle did not load: decisions are degraded until it does.
    degraded: str | None = None

    @property
    def configured(self) -> bool:
        """False while nothing is configured: lodging then gets the documented default unchanged."""
        return bool(len(self.rules) or len(self.watchlists) or self.model or self.shadow or len(self.selection)
                    or self.degraded)


def _baseline(document: dict[str, Any], total: Decimal) -> list[dict[str, Any]]:
    """The foundation's default rules as rule hits (none when they say green)."""
    default = default_channel(document, total)
    if default.channel == "green":
        return []
    return [{"rule_id": None, "version": None, "baseline": r["rule"], "name": r["rule"], "channel": default.channel,
             "priority": 0, "items": [r["item"] + 1] if "item" in r else [], "text": r["text"]}
            for r in default.reasons]


def _model_part(snapshot: Snapshot, document: dict[str, Any], declarant: str, lodged_at: datetime,
                aeo: bool, setting: LiveSetting | None, valuation: Valuation | None,
                rate: float | None) -> dict[str, Any]:
    """Scores of the promoted and shadow models, and the promoted model's pick within capacity."""
    part: dict[str, Any] = {"score": None, "model_version": None, "shadow_score": None, "shadow_version": None,
                            "model_channel": None, "explain": None}
    if snapshot.model is None and snapshot.shadow is None:
        return part
    records = model_records(document, reference=document.get("lrn", ""), declarant=declarant, lodged_at=lodged_at,
                            valuation=valuation, rate=rate)
    if not records:
        return part
    if snapshot.model is not None:
        assessment = snapshot.model.assess(records)
        objective = setting.objective if setting else None
        value = objective.value(assessment) if objective else assessment.score
        part.update(score=assessment.score, model_version=snapshot.model.version,
                    explain=(snapshot.model, records[assessment.at]), assessment=assessment,
                    objective=objective.name if objective else None, objective_value=value,
                    model_channel=setting.model_channel(value, aeo) if setting else None)
    if snapshot.shadow is not None:
        part.update(shadow_score=snapshot.shadow.score(records)[0], shadow_version=snapshot.shadow.version)
    return part


def _reasons(channel: str, rule_hits: list[dict[str, Any]], watchlist_hits: list[dict[str, Any]],
             model: dict[str, Any], random_pick: bool) -> list[dict[str, Any]]:
    """What lodging stores as channel reasons: machine keys for controls, and a text that discloses no criterion."""
    text = SELECTED_TEXT[channel]
    reasons: list[dict[str, Any]] = []
    for hit in rule_hits:
        key = hit["baseline"] if hit.get("baseline") else f"rule:{hit['rule_id']}:v{hit['version']}"
        reasons.append({"rule": key, "text": hit["text"] if hit.get("baseline") else text})
    reasons += [{"rule": f"watchlist:{hit['entry_id']}", "text": text} for hit in watchlist_hits]
    if model["model_channel"]:
        a = model["assessment"]
        reasons.append({"rule": "model", "model_version": model["model_version"], "objective": model["objective"],
                        "objective_value": round(model["objective_value"], 6), "score": round(model["score"], 6),
                        "critical_score": None if math.isnan(a.critical_score) else round(a.critical_score, 6),
                        "expected_revenue": round(a.expected_revenue, 2), "text": text})
    if random_pick:
        reasons.append({"rule": "random", "random_sample": True, "text": text})
    return reasons or [{"rule": "risk.no_indicator", "text": text}]


def decide(snapshot: Snapshot, document: dict[str, Any], total: Decimal, *, declarant: str, lodged_at: datetime,
           draw: float, valuation: Valuation | None = None, rate: float | None = None,
           supplied: Mapping[str, Any] | None = None) -> ChannelDecision:
    """The channel of one declaration, its reasons, and the record kept with it.

    `valuation` is the lodgement's bill as the model reads it; without one `rate` converts the declared value.
    """
    office, direction = str(document.get("office")), str(document.get("type"))
    knowledge = snapshot.knowledge
    facts = declaration_facts(document, total, declarant=declarant, lodged_at=lodged_at, knowledge=knowledge,
                              supplied=supplied)
    rule_hits, rule_errors = snapshot.rules.evaluate(facts, office, direction, lodged_at.date())
    rule_hits = _baseline(document, total) + rule_hits
    watchlist_hits = snapshot.watchlists.match(document, lodged_at) if len(snapshot.watchlists) else []
    aeo = declarant in knowledge.aeo
    # Mutual recognition: an exporter on a partner administration's AEO list gets the AEO rates too.
    aeo = aeo or bool((supplied or {}).get("exporter.partner_aeo"))
    setting = snapshot.selection.setting(office, direction)  # the office's capacity setting, if any
    model = _model_part(snapshot, document, declarant, lodged_at, aeo, setting, valuation, rate)
    random_channel = setting.random_pick(draw, aeo) if setting else None
    votes = [(h["channel"], "baseline" if h.get("baseline") else "rule") for h in rule_hits]
    votes += [(h["channel"], "watchlist") for h in watchlist_hits]
    votes += [(c, source) for c, source in ((model["model_channel"], "model"), (random_channel, "random")) if c]
    channel = max((c for c, _ in votes), key=SEVERITY.__getitem__, default="green")
    if knowledge.traders is not None:
        knowledge.traders.remember(party_ids(document))
    record = {
        "office": office, "direction": direction, "declarant": declarant, "aeo": aeo, "channel": channel,
        "sources": sorted({s for c, s in votes if c == channel}), "random_pick": random_channel is not None,
        "score": model["score"], "model_version": model["model_version"], "shadow_score": model["shadow_score"],
        "shadow_version": model["shadow_version"], "rule_hits": rule_hits, "watchlist_hits": watchlist_hits,
        "rule_errors": rule_errors, "config_version": snapshot.version[0], "explain": model["explain"],
    }
    reasons = _reasons(channel, rule_hits, watchlist_hits, model, random_channel is not None)
    return ChannelDecision(channel, reasons, engine=ENGINE, record=record)
