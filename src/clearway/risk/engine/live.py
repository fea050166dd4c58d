"""The risk engine in a process: one snapshot in memory, reloaded when the configuration version moves.

Lodging asks `Engine.decide` for a channel. The snapshot (compiled rules, indexed watchlists,
selection settings, loaded models, reference values, AEO operators) is built once per
configuration version. The version (last `risk_changes` row) is read at most once every
`CHECK_SECONDS` per process, in the lodging transaction: at most one small query per lodgement,
none most of the time. A change made in this process is seen at its commit; one made in another
process within `CHECK_SECONDS`. Snapshots older than `MAX_AGE_SECONDS` are rebuilt anyway, so
expiries and AEO status changes made elsewhere are picked up.

When a decision cannot be made normally (the promoted model did not load, scoring or the rules raise,
the decision overruns `RiskSettings.budget_ms`), lodging still goes on: `degraded.degrade` gives the
office's fallback channel with the reason `risk.degraded` (see that module). A snapshot whose model
did not load is rebuilt every `RiskSettings.retry_s`, so the engine returns to normal by itself.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.classification.service import duty_table_load
from clearway.db import utcnow
from clearway.declarations.channelling import ChannelContext, ChannelDecision, default_channel
from clearway.enforcement.evidence import indicator_state
from clearway.risk.engine import degraded, stored
from clearway.risk.engine.changes import change_listen, config_version
from clearway.risk.engine.decision import Snapshot, decide
from clearway.risk.engine.selection import selection_active
from clearway.risk.ml.inputs import national_rate, valuation_of_bill
from clearway.risk.ml.scoring import ModelSlot, slot_load
from clearway.risk.models import ReferenceValue, RiskDecision, RiskModel
from clearway.risk.rules.facts import (
    CLASSIFICATION_FIELDS,
    FIRST_SEEN_ROLES,
    NEIGHBOUR_FIELDS,
    TBML_FIELDS,
    Knowledge,
    TraderMemory,
)
from clearway.risk.rules.ruleset import RuleSet, rules_active
from clearway.risk.rules.watchlists import watchlists_active
from clearway.risk.settings import risk_settings

log = logging.getLogger("clearway.risk")
CHECK_SECONDS = 1.0
MAX_AGE_SECONDS = 300.0
_INSERT_DECISION = insert(RiskDecision)
_FIRST_SEEN = {f"{role}.first_seen" for role in FIRST_SEEN_ROLES}


def _models(db: Session) -> tuple[ModelSlot | None, ModelSlot | None, bool]:
    """The promoted and the shadow model, loaded (a bundle that fails to load is left out, logged), and
    whether a promoted model is registered but did not load (the engine is then degraded)."""
    slots: dict[str, ModelSlot | None] = {"promoted": None, "shadow": None}
    missing = False
    for row in db.execute(select(RiskModel.id, RiskModel.version, RiskModel.path, RiskModel.status)
                          .where(RiskModel.status.in_(("promoted", "shadow")))):
        slots[row.status] = slot_load(row.id, row.version, row.path)
        missing = missing or (row.status == "promoted" and slots["promoted"] is None)
    return slots["promoted"], slots["shadow"], missing


def references_load(db: Session) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """Reference unit values by (HS6, origin), '' origin for any."""
    rows = db.execute(select(ReferenceValue.hs6, ReferenceValue.origin, ReferenceValue.unit_value_kg,
                             ReferenceValue.count))
    return {(hs6, origin): (Decimal(value), count) for hs6, origin, value, count in rows}


def knowledge_load(db: Session, fields: frozenset[str] | set[str], *, before: datetime | None = None,
                   traders: TraderMemory | None = None) -> Knowledge:
    """What rules reading `fields` need beyond the declaration: reference values, AEO holders and, when a
    rule asks, the traders seen (before a time, if given; `traders`: memory to reuse)."""
    wanted = bool(fields & _FIRST_SEEN)  # the traders' memory costs a query: only when a rule asks
    traders = (traders or TraderMemory(stored.parties_seen(db=db, before=before))) if wanted else None
    # The duty table costs a schedule read: only when a rule reads the lower-duty neighbour.
    duties = duty_table_load(db=db, on=(before or utcnow()).date()) if fields & NEIGHBOUR_FIELDS else None
    # The TBML indicators need their state fitted on lodged history: only when a rule reads one.
    tbml = indicator_state(db=db, before=before) if fields & TBML_FIELDS else None
    return Knowledge(references=references_load(db), aeo=stored.aeo_operators(db=db), traders=traders,
                     classification=bool(fields & CLASSIFICATION_FIELDS),  # the mismatch only when a rule asks
                     duties=duties, tbml=tbml)


def snapshot_load(db: Session, version: tuple[int, str], now: datetime,
                  traders: TraderMemory | None = None) -> Snapshot:
    """Build a snapshot from the database (traders: memory to reuse when still valid)."""
    rules = RuleSet(rules_active(db=db))
    knowledge = knowledge_load(db, rules.fields, traders=traders)
    model, shadow, missing = _models(db)
    return Snapshot(version=version, rules=rules, watchlists=watchlists_active(db=db, now=now),
                    selection=selection_active(db=db), knowledge=knowledge, model=model, shadow=shadow,
                    loaded_at=time.monotonic(), degraded="model.unavailable" if missing else None)


class Engine:
    """The process's risk engine: its current snapshot, the database it came from, and the random source."""

    def __init__(self, draw: Callable[[], float] | None = None):
        self.snapshot: Snapshot | None = None
        self.bind: Any = None
        self.checked = 0.0
        self.lock = threading.Lock()
        self.draw = draw or random.Random().random
        self.mode: str | None = None  # the cause of this process's last degraded decision, None when normal
        # Decisions run on these threads so that one overrunning its budget can be abandoned (a hung
        # scoring call keeps its thread; once all are taken, decisions time out and take the fallback).
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="risk-decide")

    def invalidate(self) -> None:
        """Check the configuration version at the next decision."""
        self.checked = 0.0

    def current(self, db: Session, now: datetime) -> Snapshot:
        """The snapshot for this database, reloaded when its configuration version moved."""
        clock, snap, bind = time.monotonic(), self.snapshot, db.get_bind()
        # A degraded snapshot (its promoted model did not load) is retried sooner, to recover by itself.
        max_age = MAX_AGE_SECONDS if snap is None or snap.degraded is None else risk_settings().retry_s
        if snap is not None and self.bind is bind and clock - self.checked < CHECK_SECONDS \
                and clock - snap.loaded_at < max_age:
            return snap
        with self.lock:
            version = config_version(db)
            snap = self.snapshot
            fresh = snap is not None and self.bind is bind and clock - snap.loaded_at < max_age
            if not fresh or snap is None or snap.version != version:
                traders = snap.knowledge.traders if snap is not None and self.bind is bind else None
                snap = snapshot_load(db, version, now, traders)
                self.snapshot, self.bind = snap, bind
            self.checked = time.monotonic()
        return snap

    def decide(self, *, document: dict[str, Any], total_value: Decimal, context: ChannelContext) -> ChannelDecision:
        """The channel of a lodgement: the documented default until something is configured."""
        total = total_value
        if context.db is None:
            return default_channel(document, total)
        declarant = context.declarant
        try:
            snap = self.current(context.db, context.lodged_at)
        except SQLAlchemyError:
            raise  # the database itself is down: lodging cannot store anything either
        except Exception:
            log.exception("risk engine snapshot not built: degraded decision")
            return degraded.degrade(None, document=document, total=total, declarant=declarant, cause="engine.error")
        if not snap.configured:
            return default_channel(document, total)
        valuation = valuation_of_bill(context.bill)
        rate = None
        if valuation is None and (snap.model is not None or snap.shadow is not None):
            rate = national_rate(context.db, document.get("currency"), context.lodged_at)
        draw = self.draw()

        def run(on: Snapshot) -> ChannelDecision:
            return decide(on, document, total, declarant=declarant, lodged_at=context.lodged_at, draw=draw,
                          valuation=valuation, rate=rate, supplied=context.facts)

        budget = risk_settings().budget_ms / 1000
        try:
            decision = self.pool.submit(run, snap).result(timeout=budget)
        except FutureTimeout:
            log.error("risk decision over its %.3f s budget: degraded decision", budget)
            return degraded.degrade(None, document=document, total=total, declarant=declarant, cause="timeout")
        except Exception:
            if snap.model is None and snap.shadow is None:
                log.exception("risk rules not evaluated: degraded decision")
                return degraded.degrade(None, document=document, total=total, declarant=declarant,
                                        cause="engine.error")
            log.exception("risk model failed to score: rules-only, degraded decision")
            try:  # rules-only selection: the same snapshot without its models
                rules_only = run(replace(snap, model=None, shadow=None))
            except Exception:
                log.exception("risk rules not evaluated either")
                return degraded.degrade(None, document=document, total=total, declarant=declarant,
                                        cause="engine.error")
            return degraded.degrade(rules_only, document=document, total=total, declarant=declarant,
                                    cause="model.error")
        if snap.degraded is not None:
            return degraded.degrade(decision, document=document, total=total, declarant=declarant,
                                    cause=snap.degraded)
        degraded.normal()
        return decision

    def record(self, *, db: Any, declaration_id: int, mrn: str, decision: ChannelDecision, now: datetime) -> None:
        """Store the decision with the declaration, with the promoted model's explanation of its top item."""
        record = decision.record
        self._mode(db, record.get("degraded") if record else None, mrn, now)  # the default rules count as normal
        if record is None:
            return
        values = {k: v for k, v in record.items() if k != "explain"}
        contributions: list[dict[str, Any]] = []
        if record.get("explain"):
            slot, item = record["explain"]
            try:
                contributions = slot.explain(item)
            except Exception as exc:  # an explanation never blocks lodging, even from a model failing now
                log.warning("no explanation for %s: %s", mrn, exc)
        db.connection().execute(_INSERT_DECISION, {**values, "declaration_id": declaration_id, "decided_at": now,
                                                   "contributions": contributions})

    def _mode(self, db: Any, cause: str | None, mrn: str, now: datetime) -> None:
        """Record the engine's change of mode (degraded, recovered) once per change, with the lodgement."""
        before, self.mode = self.mode, cause
        if before == cause or (before is not None and cause is not None):
            return
        action = "risk.degraded" if cause else "risk.recovered"
        (log.error if cause else log.warning)("%s (%s) at %s", action, cause or before, mrn)
        audit_append(db=db, actor="system", actor_org="system", action=action, target_type="risk_engine",
                     target_id=str(cause or before), detail={"cause": cause or before, "mrn": mrn}, at=now)


engine = Engine()
change_listen(engine.invalidate)
