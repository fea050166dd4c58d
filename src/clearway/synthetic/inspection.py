"""The inspection history: which declarations were checked and what the checks found.

A legacy selectivity score (known trader record, goods risk, unusually low unit values, noise)
fills each day's capacity; a separate random compliance sample is drawn first and flagged. So
labels exist only for inspected declarations and are biased towards what the score liked, as
they are in a real administration; only the random sample measures the true fraud rate.
"""

from __future__ import annotations

import math
import random

from clearway.synthetic.catalogue import Good
from clearway.synthetic.consignments import Consignment
from clearway.synthetic.tables import KRW_PER_UNIT

TARGETED_SHARE = 0.09  # of each day's declarations, by score
RANDOM_SHARE = 0.01  # of all declarations, drawn before targeting
# How often a physical check finds a fraud that is there.
DETECTION = {"undervaluation": 0.7, "misclassification": 0.9, "false_origin": 0.6, "quantity": 0.85,
             "prohibited": 0.8}
# What the legacy system knows about a trader: its record, or that it is new.
TRADER_SIGNAL = {"offender": 2.0, "new": 0.7, "aeo": -1.5, "regular": 0.0}


def _cheapness(c: Consignment, goods: dict[str, Good]) -> float:
    """How far the lowest declared unit value falls below its key's median, in spreads."""
    usd_per_unit = float(KRW_PER_UNIT[c.currency] / KRW_PER_UNIT["USD"])
    worst = 0.0
    for line in c.lines:
        d = line.declared
        key = goods[d.hs_code].origins.get(d.origin)
        if key is None:
            continue
        unit_value = float(d.value) * usd_per_unit / float(d.net_mass)
        worst = max(worst, (math.log(key.median_usd_per_kg) - math.log(unit_value)) / key.sigma)
    return worst


def targeting_score(rng: random.Random, c: Consignment, goods: dict[str, Good]) -> float:
    """The legacy score of a declaration as lodged; higher is inspected first."""
    risks = [key.risk for line in c.lines if (key := goods[line.declared.hs_code].origins.get(line.declared.origin))]
    goods_signal = math.log(max(risks)) if risks else 0.0
    return TRADER_SIGNAL[c.importer.kind] + goods_signal + 0.6 * _cheapness(c, goods) + rng.gauss(0, 1.0)


def select_day(
    rng: random.Random, consignments: list[Consignment], goods: dict[str, Good]
) -> list[tuple[bool, bool, bool]]:
    """(inspected, random_pick, found_fraud) for each of a day's declarations, in order."""
    picks = [rng.random() < RANDOM_SHARE for _ in consignments]
    scores = [targeting_score(rng, c, goods) for c in consignments]
    capacity = round(TARGETED_SHARE * len(consignments))
    queue = sorted((i for i, random_pick in enumerate(picks) if not random_pick), key=lambda i: -scores[i])
    targeted = set(queue[:capacity])
    outcomes = []
    for i, c in enumerate(consignments):
        inspected = picks[i] or i in targeted
        found = inspected and c.fraud_kind is not None and rng.random() < DETECTION[c.fraud_kind]
        outcomes.append((inspected, picks[i], found))
    return outcomes
