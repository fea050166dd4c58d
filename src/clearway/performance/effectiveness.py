"""Control effectiveness: inspection and hit rates, the random-sample non-compliance estimate, revenue.

Risk-selected and random inspections are kept apart: only the random sample estimates the
non-compliance rate of all traffic (with a Wilson score interval); hit rates of risk-selected
inspections say how well selection works. "Precision at the actual inspection rate" for a
month is the hit rate of the risk-selected inspections of that month, next to that month's
inspection rate: with labels only for inspected declarations, that is what can be measured.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from clearway.performance.outcomes import Outcome


@dataclass(frozen=True)
class Rate:
    """A proportion with its numerator and denominator; `low`/`high` are a 95 % Wilson interval when given."""

    hits: int
    total: int
    low: float | None = None
    high: float | None = None

    @property
    def value(self) -> float | None:
        """hits / total, or None for an empty denominator."""
        return self.hits / self.total if self.total else None


def wilson(hits: int, total: int, z: float = 1.959964) -> Rate:
    """The proportion with its Wilson score interval (good for small samples and rates near 0 or 1)."""
    if total == 0:
        return Rate(0, 0)
    p, n = hits / total, total
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Rate(hits, total, max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class Effectiveness:
    """Every effectiveness figure for one selection of outcomes."""

    inspection_by_channel: dict[str, Rate] = field(default_factory=dict)
    hit_selected: Rate = Rate(0, 0)
    hit_random: Rate = Rate(0, 0)
    non_compliance: Rate = Rate(0, 0)
    revenue_total: Decimal = Decimal(0)
    revenue_per_inspection: Decimal | None = None
    override: Rate = Rate(0, 0)
    by_rule: dict[str, Rate] = field(default_factory=dict)
    by_model: dict[str, Rate] = field(default_factory=dict)
    precision_by_period: dict[str, tuple[Rate, Rate]] = field(default_factory=dict)  # (inspection rate, precision)


def _rate(outcomes: Iterable[Outcome]) -> Rate:
    inspected = [o for o in outcomes if o.inspected]
    return Rate(sum(o.hit for o in inspected), len(inspected))


def _grouped(outcomes: list[Outcome], keys_of: Callable[[Outcome], Iterable[str]]) -> dict[str, Rate]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        for key in keys_of(o):
            groups[key].append(o)
    return {k: _rate(v) for k, v in sorted(groups.items())}


def effectiveness(outcomes: list[Outcome], declarations_by_channel: dict[str, int],
                  declarations_by_period: dict[str, int]) -> Effectiveness:
    """Effectiveness figures from outcomes and the number of declarations per channel and per month."""
    inspected = [o for o in outcomes if o.inspected]
    selected = [o for o in outcomes if not o.random_pick]
    random = [o for o in outcomes if o.random_pick]
    per_channel: dict[str, int] = defaultdict(int)
    for o in inspected:
        per_channel[o.channel] += 1
    revenue = sum((o.revenue for o in outcomes), Decimal(0))
    known = [o for o in outcomes if o.overridden is not None]  # outcomes that say whether an officer overrode
    result = Effectiveness(
        inspection_by_channel={c: Rate(per_channel.get(c, 0), n) for c, n in sorted(declarations_by_channel.items())},
        hit_selected=_rate(selected), hit_random=_rate(random),
        non_compliance=wilson(*_counts(random)),
        revenue_total=revenue, revenue_per_inspection=(revenue / len(inspected)) if inspected else None,
        override=Rate(sum(bool(o.overridden) for o in known), len(known)),
        by_rule=_grouped(selected, lambda o: o.rules),
        by_model=_grouped(outcomes, lambda o: [o.model_version] if o.model_version else []),
    )
    months: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.at is not None:
            months[f"{o.at:%Y-%m}"].append(o)
    for month, rows in sorted(months.items()):
        done = [o for o in rows if o.inspected]
        result.precision_by_period[month] = (Rate(len(done), declarations_by_period.get(month, 0)),
                                             _rate(o for o in rows if not o.random_pick))
    return result


def _counts(outcomes: list[Outcome]) -> tuple[int, int]:
    rate = _rate(outcomes)
    return rate.hits, rate.total
