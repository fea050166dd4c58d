"""The demo's risk analysts at work: reference values, rules, a watchlist, capacity and a promoted model.

Run once, part-way through the seeded history (as an administration would have configured its
engine after some weeks of data), through the risk engine's own services: the declarations lodged
after it are channelled by these rules and this model, so the demo shows risk decisions with their
reasons, yellow and red channels in realistic shares, and rules with hits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.risk.api.schemas import RuleDraft, WatchlistDraft
from clearway.risk.api.schemas_models import SelectionDraft
from clearway.risk.engine.selection import setting_save
from clearway.risk.ml.registry import model_move
from clearway.risk.ml.retrain import retrain
from clearway.risk.rules.reference import reference_refresh
from clearway.risk.rules.ruleset import rule_activate, rule_create
from clearway.risk.rules.watchlists import entry_create
from clearway.synthetic.parties import Organisation

log = logging.getLogger("clearway.demo")
ANALYST = Principal(user_id=0, username="analyst", role="analyst", organisation_id=0, organisation_code="KRCUSTOMS")

RULES = (
    RuleDraft(name="Unit value far below the reference", channel="red", priority=200,
              expression="ref.known and item.uv_ratio < 0.3",
              reason="The unit value per kg is under a third of what this good from this origin usually costs."),
    RuleDraft(name="Low unit value", channel="yellow", priority=120, expression="ref.known and item.uv_ratio < 0.45",
              reason="The unit value per kg is well below the usual one for this good and origin: check the invoice."),
    RuleDraft(name="New importer of tobacco or spirits", channel="yellow", priority=110,
              expression='importer.first_seen and (item.chapter == "24" or item.chapter == "22")',
              reason="A first declaration of excise goods by this importer: check the licence and the invoice."),
)


def demo_risk_configure(*, db: Session, organisations: Sequence[Organisation], now: datetime) -> bool:
    """Configure the risk engine from the history so far; True when a model could be trained and promoted."""
    reference_refresh(db=db, actor=ANALYST, now=now)
    for draft in RULES:
        rule = rule_create(db=db, actor=ANALYST, draft=draft, now=now)
        rule_activate(db=db, actor=ANALYST, rule=rule, version=None, now=now)
    for org in [o for o in organisations if o.kind == "offender"][:2]:
        entry_create(db=db, actor=ANALYST, now=now, draft=WatchlistDraft(
            kind="trader", name=org.name, party_id=org.id, country=org.country, threshold=90, severity="medium",
            source="Post-clearance audit findings (demo)", note="Repeated undervaluation found at controls."))
    setting_save(db=db, actor=ANALYST, office="*", direction="IM", now=now, draft=SelectionDraft(
        red_share=Decimal("0.03"), yellow_share=Decimal("0.09"), random_rate=Decimal("0.01"),
        aeo_random_rate=Decimal("0.005"), aeo_factor=Decimal("0.5"), random_channel="red"))
    try:
        model = retrain(db=db, actor=ANALYST, name=f"demo-{now:%Y%m%d}", now=now)
    except ValueError as exc:  # too few finished controls to learn from: the demo runs on rules alone
        log.warning("no demo model: %s", exc)
        return False
    model_move(db=db, actor=ANALYST, model=model, status="shadow", now=now)
    model_move(db=db, actor=ANALYST, model=model, status="promoted", now=now)
    return True
