"""Plant frauds into consignments and measure what they cost in duty.

Whether a consignment is fraudulent depends on its importer (habitual offenders far more, AEOs
far less) and its goods (some HS6 x origin keys are hot); which fraud depends on what the goods
allow: misclassification needs a lower-duty neighbour, false origin a preferential hub, revenue
frauds a dutiable item. The impact is the duty on the truth minus the duty on the declaration.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal
from typing import cast

from clearway.synthetic import families as fam
from clearway.synthetic.catalogue import Good
from clearway.synthetic.consignments import CENT, COUNT_UNITS, Consignment, Line, describe, pick, quantity_for
from clearway.synthetic.records import REVENUE_FRAUDS, FraudKind
from clearway.synthetic.tables import (
    PREFERENCES,
    applied_rate,
    duty_krw,
    preference_factor,
    quantize_money,
    to_krw,
)

BASE_RATE = 0.065  # calibrated so that about 7 % of declarations carry a fraud
MAX_PROBABILITY = 0.8
MIN_KRW = 100_000  # nobody forges papers to save the duty on a smaller item
# How common each scheme is among would-be fraudsters, whatever the goods.
KIND_WEIGHTS = {"undervaluation": 35, "misclassification": 20, "false_origin": 20, "quantity": 15,
                "prohibited": 10}
# Where a scheme is possible, how much it is preferred: a lower-duty neighbouring code is an easy
# story to tell, so misclassification wins out where the goods offer one.
APPEAL = {"misclassification": 6.0}
FAVOURED_BOOST = 3.0  # a hot key's known fraud is that much more likely there
CONCEALED = {
    "counterfeit": "counterfeit trademark goods",
    "narcotics": "methamphetamine concealed in the packaging",
    "cigarettes": "undeclared cigarettes",
    "weapons": "firearm parts",
    "wildlife": "CITES-listed wildlife products",
    "medicines": "unapproved pharmaceuticals",
}
# What is typically hidden, by HS chapter of the cover goods.
CONCEALED_BY_CHAPTER = {
    **dict.fromkeys(("42", "61", "62", "64", "85", "91", "95", "33"), ("counterfeit", "counterfeit", "medicines")),
    **dict.fromkeys(("02", "03", "07", "08", "09", "21", "19"), ("narcotics", "wildlife", "cigarettes")),
}


Targets = dict[str, tuple[str, ...]]  # true HS6 -> lower-duty codes it can be declared as


def _dutiable(line: Line) -> bool:
    return applied_rate(line.true.hs_code, line.true.origin, line.true.preference) > 0


def _worth_it(c: Consignment) -> list[Line]:
    """Lines whose duty is worth evading: dutiable and not trivially small."""
    return [x for x in c.lines if _dutiable(x) and to_krw(x.true.value, c.currency) >= MIN_KRW]


def _short_shippable(c: Consignment) -> list[Line]:
    return [x for x in _worth_it(c) if x.true.unit not in COUNT_UNITS or x.true.quantity >= 2]


def _misclass_options(line: Line, targets: Targets) -> list[str]:
    rate = applied_rate(line.true.hs_code, line.true.origin, line.true.preference)
    return [t for t in targets.get(line.true.hs_code, ())
            if applied_rate(t, line.true.origin, line.true.preference) < rate]


def _hubs(c: Consignment) -> list[str]:
    """Preferential origins to relabel the goods with that pay less than their true origin."""
    first = _worth_it(c)[0]
    hubs = fam.FALSE_ORIGIN_HUBS.get(first.true.hs_code[:2], fam.DEFAULT_HUBS)
    origin_factor = preference_factor(first.true.origin)
    return [h for h in hubs if h != first.true.origin and preference_factor(h) < origin_factor]


def _feasible(kind: str, c: Consignment, worth: list[Line], targets: Targets) -> bool:
    """Whether a scheme pays on this consignment, given the lines worth defrauding."""
    if kind == "prohibited":
        return True
    if not worth:
        return False
    if kind == "misclassification":
        return any(_misclass_options(line, targets) for line in worth)
    if kind == "false_origin":
        return bool(_hubs(c))
    if kind == "quantity":
        return bool(_short_shippable(c))
    return True


def _undervalue(rng: random.Random, c: Consignment, goods: dict[str, Good], targets: Targets) -> None:
    """A second invoice at a fraction of the price paid, for every item."""
    factor = Decimal(str(round(rng.uniform(0.3, 0.75), 3)))
    for line in c.lines:
        line.declared = replace(line.declared, value=quantize_money(line.true.value * factor, c.currency))


def _misclassify(rng: random.Random, c: Consignment, goods: dict[str, Good], targets: Targets) -> None:
    """One item declared under a neighbouring, lower-duty code and described to match it."""
    line = rng.choice([x for x in _worth_it(c) if _misclass_options(x, targets)])
    target = goods[rng.choice(_misclass_options(line, targets))]
    count = line.true.quantity if line.true.unit in COUNT_UNITS else None
    line.declared = replace(
        line.declared, hs_code=target.hs_code, unit=target.unit,
        description=describe(rng, target, c.seller.id, c.lodged_at.year),
        quantity=quantity_for(target.unit, target.kg_per_unit, line.true.net_mass, count),
    )


def _false_origin(rng: random.Random, c: Consignment, goods: dict[str, Good], targets: Targets) -> None:
    """Goods relabelled at a hub with a forged certificate to claim its preference."""
    hub = rng.choice(_hubs(c))
    agreement = PREFERENCES[hub][0]
    proof = f"CO-{hub}-{c.lodged_at.year}-{rng.randint(1, 999999):06d}"
    for line in (x for x in c.lines if x.true.origin != hub):
        # The forged proof is void, so the true duty is the MFN rate.
        line.true = replace(line.true, preference=None, proof=None)
        line.declared = replace(line.declared, origin=hub, preference=agreement, proof=proof)
    c.departure_country = hub


def _short_ship(rng: random.Random, c: Consignment, goods: dict[str, Good], targets: Targets) -> None:
    """The dearest dutiable item declared at a part of its real quantity, mass and value."""
    line = max(_short_shippable(c), key=lambda x: x.true.value)
    factor = Decimal(str(round(rng.uniform(0.5, 0.85), 3)))
    true = line.true
    if true.unit in COUNT_UNITS:
        quantity = min(true.quantity - 1, max(Decimal(1), (true.quantity * factor).to_integral(ROUND_FLOOR)))
    else:
        quantity = max(CENT, (true.quantity * factor).quantize(CENT))
    ratio = quantity / true.quantity
    mass = max(CENT, (true.net_mass * ratio).quantize(CENT))
    line.declared = replace(
        line.declared, quantity=quantity, net_mass=mass, value=quantize_money(true.value * ratio, c.currency)
    )


def _conceal(rng: random.Random, c: Consignment, goods: dict[str, Good], targets: Targets) -> None:
    """Prohibited goods hidden among the declared ones; the declaration itself looks clean."""
    options = CONCEALED_BY_CHAPTER.get(c.lines[0].true.hs_code[:2], tuple(CONCEALED))
    c.concealed = CONCEALED[rng.choice(options)]


APPLY: dict[str, Callable[[random.Random, Consignment, dict[str, Good], Targets], None]] = {
    "undervaluation": _undervalue, "misclassification": _misclassify, "false_origin": _false_origin,
    "quantity": _short_ship, "prohibited": _conceal,
}


def line_impact(line: Line, currency: str) -> Decimal:
    """Duty on the true facts minus duty on the declared ones, in whole KRW."""
    t, d = line.true, line.declared
    return duty_krw(t.hs_code, t.origin, t.preference, t.value, currency) - duty_krw(
        d.hs_code, d.origin, d.preference, d.value, currency
    )


def plant_fraud(rng: random.Random, c: Consignment, goods: dict[str, Good], targets: Targets) -> None:
    """Maybe turn a consignment fraudulent, by its importer's propensity and its goods' risk."""
    riskiest = max(c.lines, key=lambda line: line.key.risk)
    worth = _worth_it(c)
    feasible = [kind for kind in KIND_WEIGHTS if _feasible(kind, c, worth, targets)]
    # Schemes that do not pay on these goods are not attempted, so duty-free goods see less fraud.
    share = sum(KIND_WEIGHTS[k] for k in feasible) / sum(KIND_WEIGHTS.values())
    probability = min(MAX_PROBABILITY, BASE_RATE * c.importer.propensity * riskiest.key.risk) * share
    if rng.random() >= probability:
        return
    weights = {
        k: KIND_WEIGHTS[k] * APPEAL.get(k, 1.0) * (FAVOURED_BOOST if k == riskiest.key.favoured_fraud else 1.0)
        for k in feasible
    }
    kind = cast(FraudKind, pick(rng, weights))
    saved = [(line.true, line.declared) for line in c.lines], c.departure_country
    APPLY[kind](rng, c, goods, targets)
    c.fraud_kind = kind
    if kind in REVENUE_FRAUDS and sum(line_impact(x, c.currency) for x in c.lines) <= 0:
        # Rounding can erase the gain on a tiny dutiable item; such a fraud would not be attempted.
        for line, (true, declared) in zip(c.lines, saved[0], strict=True):
            line.true, line.declared = true, declared
        c.departure_country, c.fraud_kind = saved[1], None
