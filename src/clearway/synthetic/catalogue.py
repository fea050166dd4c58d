"""The goods catalogue: HS 2022 subheadings with their origins, prices and risks.

Every code comes from the shipped HS 2022 list, so generated declarations only use codes that
exist. Prices and risks are drawn once per world from its seed; each HS6 x origin key has its own
log-normal unit-value distribution, which is what valuation checks compare against.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from clearway.reference import service as reference
from clearway.synthetic import families as fam
from clearway.synthetic.records import FRAUD_KINDS
from clearway.synthetic.tables import mfn_rate

HS_EDITION = "HS2022"
MAX_PER_HEADING = 10  # keeps long headings (fish, fabrics) from swamping the catalogue
HOT_KEY_SHARE = 0.08  # share of HS6 x origin keys with a fraud problem
HOT_KEY_FACTOR = 4.0


@dataclass(frozen=True)
class GoodsKey:
    """One HS6 x origin: how often it is shipped, at what unit value, how risky it is."""

    origin: str
    weight: float
    median_usd_per_kg: float
    sigma: float
    risk: float
    favoured_fraud: str | None  # the fraud hot keys are known for

    def draw_usd_per_kg(self, rng: random.Random) -> float:
        """A unit value from the key's log-normal distribution."""
        return rng.lognormvariate(math.log(self.median_usd_per_kg), self.sigma)


@dataclass(frozen=True)
class Good:
    """An HS6 subheading as traded: text, units, packaging, modes and its origins."""

    hs_code: str
    description: str  # HS 2022 text
    family: str
    unit: str
    kg_per_unit: float
    lot_kg: float
    package: str
    modes: dict[str, float]
    qualifiers: tuple[str, ...]
    origins: dict[str, GoodsKey]


def _hs_codes() -> dict[str, tuple[int, str, str]]:
    edition = next(e for e in reference.hs_editions() if e.name == HS_EDITION)
    return edition.codes


def _expand(codes: str, hs: dict[str, tuple[int, str, str]]) -> list[str]:
    """HS6 codes named by a family: subheadings as given, headings expanded and thinned."""
    out: list[str] = []
    for token in codes.split():
        if len(token) == 6:
            out.extend([token] if token in hs else [])
            continue
        subs = sorted(c for c, (level, parent, _) in hs.items() if level == 6 and parent == token)
        if len(subs) > MAX_PER_HEADING:
            step = (len(subs) - 1) / (MAX_PER_HEADING - 1)
            subs = [subs[round(i * step)] for i in range(MAX_PER_HEADING)]
        out.extend(subs)
    return out


def _short_text(text: str, limit: int = 160) -> str:
    """The HS text, whitespace-normalised and cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    # Prefer ending on a clause so the text still reads as a description.
    clause = max(cut.rfind(","), cut.rfind(";"))
    return cut[:clause] if clause > limit // 2 else cut.rsplit(" ", 1)[0]


def _keys(rng: random.Random, family: fam.Family) -> dict[str, GoodsKey]:
    hs_factor = rng.lognormvariate(0, 0.35)  # subheadings of one family differ in price
    keys = {}
    for origin, weight in fam.weights(family.origins).items():
        hot = rng.random() < HOT_KEY_SHARE
        median = family.usd_per_kg * hs_factor * fam.PRICE_LEVEL.get(origin, 1.0) * rng.lognormvariate(0, 0.1)
        risk = family.risk * fam.ORIGIN_RISK.get(origin, 1.0) * rng.lognormvariate(0, 0.25)
        keys[origin] = GoodsKey(
            origin=origin,
            weight=weight,
            median_usd_per_kg=median,
            sigma=family.sigma,
            risk=risk * (HOT_KEY_FACTOR if hot else 1.0),
            favoured_fraud=rng.choice(FRAUD_KINDS) if hot else None,
        )
    return keys


def build_catalogue(rng: random.Random) -> list[Good]:
    """Every catalogue good, in family order, with prices and risks drawn from the generator."""
    hs = _hs_codes()
    goods = []
    for family in fam.FAMILIES:
        for code in _expand(family.codes, hs):
            goods.append(
                Good(
                    hs_code=code,
                    description=_short_text(hs[code][2]),
                    family=family.name,
                    unit=family.unit,
                    kg_per_unit=family.kg_per_unit,
                    lot_kg=family.lot_kg,
                    package=family.package,
                    modes=fam.weights(family.modes),
                    qualifiers=family.qualifiers,
                    origins=_keys(rng, family),
                )
            )
    return goods


def misclassification_targets(goods: list[Good]) -> dict[str, tuple[str, ...]]:
    """True HS6 -> catalogue codes it is plausibly misdeclared as, each with a lower duty rate."""
    targets: dict[str, tuple[str, ...]] = {}
    for good in goods:
        lower = [
            other.hs_code
            for true_prefix, declared_prefix in fam.MISCLASSIFICATIONS
            if good.hs_code.startswith(true_prefix)
            for other in goods
            if other.hs_code.startswith(declared_prefix) and mfn_rate(other.hs_code) < mfn_rate(good.hs_code)
        ]
        if lower:
            targets[good.hs_code] = tuple(lower)
    return targets
