"""Reference unit values: the usual declared value per kg of each HS6 code, per origin and overall.

The reference is the geometric mean of the unit values declared in a window of stored history
(a mean of logarithms: one absurd declaration cannot drag it far), kept where at least
`MIN_REFERENCE_COUNT` declarations back it. Values are compared in the declaration currency,
so a mixed-currency history blurs the reference; converting belongs to the tariff domain.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.risk.engine import stored
from clearway.risk.engine.changes import change_record
from clearway.risk.models import ReferenceValue
from clearway.risk.rules.facts import MIN_REFERENCE_COUNT, decimal_or_none

WINDOW_DAYS = 365


def unit_value_sums(documents: list[dict]) -> dict[tuple[str, str], list[float]]:
    """Per (HS6, origin) and (HS6, ''): [count, sum of log unit values] over the documents' items."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for document in documents:
        for item in document.get("items") or []:
            value, mass = decimal_or_none(item.get("value")), decimal_or_none(item.get("net_mass_kg"))
            if not value or not mass or value <= 0 or mass <= 0:
                continue
            logged = math.log(value / mass)
            hs6 = str(item.get("hs_code", ""))[:6]
            for key in ((hs6, str(item.get("origin_country", ""))), (hs6, "")):
                sums[key][0] += 1
                sums[key][1] += logged
    return sums


def reference_refresh(*, db: Session, actor: Principal, now: datetime, days: int = WINDOW_DAYS) -> int:
    """Recompute every reference unit value from the last `days` of declarations; returns how many."""
    documents = [row.document for row in stored.declarations_between(db=db, start=now - timedelta(days=days),
                                                                     end=now, limit=500_000)]
    rows = [{"hs6": hs6, "origin": origin, "count": int(n),
             "unit_value_kg": Decimal(str(round(math.exp(total / n), 6))), "computed_at": now}
            for (hs6, origin), (n, total) in unit_value_sums(documents).items() if n >= MIN_REFERENCE_COUNT]
    db.execute(delete(ReferenceValue))
    if rows:
        db.execute(insert(ReferenceValue), rows)
    change_record(db=db, actor=actor, kind="reference.refreshed", target_type="risk_reference", target_id="*",
                  detail={"days": days, "declarations": len(documents), "values": len(rows)}, now=now)
    return len(rows)
