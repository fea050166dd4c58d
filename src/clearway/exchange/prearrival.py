"""Pre-arrival risk: a partner's export declaration, read as the import it announces, is scored on arrival by our
risk engine, through the very decision lodging asks (`risk.service.channel_engine`: the same facts, rules,
watchlists, selection settings, model input builder `model_records` and scoring), so that officers see the
channel the goods would get, its score and its reasons before the goods arrive.

It fails closed: when the engine cannot decide normally (its degraded mode: model not loaded or failing, rules
raising, over its time budget) or raises, the export is kept as `not_scored` with a coded reason
(`exchange.risk_degraded` with the engine's cause, or `exchange.risk_failed`), never silently left unscored.
A database error is not caught: the whole receiving pass fails and the partner sends again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from clearway.declarations.channelling import ChannelContext, ChannelDecision
from clearway.exchange.models import PreArrival
from clearway.exchange.settings import exchange_settings
from clearway.risk.service import channel_engine

log = logging.getLogger("clearway.exchange")
DEGRADED = "exchange.risk_degraded"  # the engine decided in degraded mode: not a normal score
FAILED = "exchange.risk_failed"  # the engine raised


def _amount(value: Any) -> Decimal:
    try:
        found = Decimal(str(value)) if value not in (None, "") and not isinstance(value, bool) else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
    return found if found.is_finite() else Decimal(0)


def _text(value: Any, limit: int = 200) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def prearrival_document(data: Mapping[str, Any], *, sender: str) -> dict[str, Any]:
    """The import declaration a partner's export announces, in our document's shape (what the engine reads):
    the exporter is the seller, the consignee the importer, the partner's country the country of departure."""
    exporter: Mapping[str, Any] = data["exporter"] if isinstance(data.get("exporter"), dict) else {}
    consignee: Mapping[str, Any] = data["consignee"] if isinstance(data.get("consignee"), dict) else {}
    items = [i for i in data.get("items") or [] if isinstance(i, dict)]
    seller = {"name": _text(exporter.get("name")), "country": _text(exporter.get("country"), 2)}
    office = exchange_settings().prearrival_office or None
    return {
        "type": "IM", "office": office, "currency": next((_text(i.get("currency"), 3) for i in items
                                                          if i.get("currency")), None),
        "exporter": seller, "seller": seller, "importer": {"name": _text(consignee.get("name"))},
        "transport": {"mode": _text(data.get("transport"), 2), "departure_country": seller["country"] or sender},
        "items": [{"hs_code": str(i.get("hs_code") or "")[:10], "description": _text(i.get("description"), 500),
                   "origin_country": _text(i.get("origin"), 2),
                   "quantity": {"value": i.get("quantity"), "unit": _text(i.get("unit"), 10)},
                   "value": str(_amount(i.get("value")))} for i in items],
    }


def _detail(decision: ChannelDecision) -> dict[str, Any]:
    """What an officer reads of the decision beyond the channel: engine, model, rule and watchlist hits."""
    record = decision.record or {}
    return {"engine": decision.engine, "model_version": record.get("model_version"),
            "sources": record.get("sources") or [], "random_pick": bool(record.get("random_pick")),
            "rule_hits": [{k: h.get(k) for k in ("rule_id", "version", "name", "channel", "baseline", "text")}
                          for h in record.get("rule_hits") or []],
            "watchlist_hits": [h.get("entry_id") for h in record.get("watchlist_hits") or []]}


def prearrival_score(*, db: Any, row: PreArrival, now: datetime) -> PreArrival:
    """Score a pre-arrival record with our risk engine and store the result with it (or why it is not scored)."""
    document = prearrival_document(row.data, sender=row.sender)
    total = sum((_amount(i["value"]) for i in document["items"]), Decimal(0))
    context = ChannelContext(declarant=f"partner:{row.sender}", lodged_at=now, db=db)
    row.scored_at = now
    try:
        decision = channel_engine().decide(document=document, total_value=total, context=context)
    except SQLAlchemyError:
        raise  # the transaction is lost: nothing of this pass is stored, the partner sends again
    except Exception:
        log.exception("pre-arrival %s/%s not scored", row.sender, row.export_mrn)
        return _not_scored(row, FAILED, {"cause": "engine.error"})
    cause = (decision.record or {}).get("degraded")
    if cause:  # the fallback channel is a safety net for lodging, not a score to show as one
        return _not_scored(row, DEGRADED, {**_detail(decision), "cause": cause})
    row.risk_state, row.risk_error = "scored", None
    row.risk_channel, row.risk_reasons = decision.channel, list(decision.reasons)
    score = (decision.record or {}).get("score")
    row.risk_score = float(score) if isinstance(score, int | float) else None
    row.risk_detail = _detail(decision)
    return row


def _not_scored(row: PreArrival, code: str, detail: dict[str, Any]) -> PreArrival:
    row.risk_state, row.risk_error, row.risk_channel, row.risk_score = "not_scored", code, None, None
    row.risk_reasons, row.risk_detail = [], detail
    return row
