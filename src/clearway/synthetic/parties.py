"""The parties of the synthetic world: Korean importers, customs brokers and foreign sellers.

Importers carry hidden traits that drive the history: how active they are, which suppliers they
buy from, and how prone they are to fraud (AEOs rarely, habitual offenders often, new traders
more than established ones). The two demo companies have fixed ids and names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from clearway.synthetic import names
from clearway.synthetic.catalogue import Good

TraderKind = Literal["regular", "aeo", "new", "offender"]

# Fixed demo companies: (id, name, sectors) for trader-a's and trader-b's organisations.
DEMO_TRADERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("KR1000000001", "Hanbit Trading Co.", ("phones", "computers", "tv_monitors")),
    ("KR1000000002", "Daehan Global Imports Ltd.", ("beef", "wine", "cheese")),
)
# The seller of the declaration example keeps its name in the world.
FIXED_SELLER_NAMES = {("phones", "CN"): "Shenzhen Bright Electronics Ltd"}
# Fraud propensity multipliers by kind (ground truth, never shown to the risk engine).
PROPENSITY: dict[str, float] = {"regular": 1.0, "aeo": 0.15, "new": 2.0, "offender": 8.0}
# Probability of claiming a preference the origin is entitled to: AEOs know their paperwork.
CLAIMS_PREFERENCE: dict[str, float] = {"regular": 0.75, "aeo": 0.95, "new": 0.5, "offender": 0.7}
KIND_SHARES: tuple[tuple[TraderKind, float], ...] = (("aeo", 0.2), ("offender", 0.1), ("new", 0.15))
# Intermediaries in trading hubs resell goods made in these countries.
HUBS, HUB_SOURCES = ("HK", "SG", "AE"), ("CN", "VN", "TH", "MY", "IN", "ID", "BD", "KH", "TW")
INTERMEDIARIES = 9
# Country -> (local invoicing currency, share of invoices in it); the rest is mostly USD.
LOCAL_CURRENCY: dict[str, tuple[str, float]] = {
    "CN": ("CNY", .15), "JP": ("JPY", .5), "GB": ("GBP", .4), "AU": ("AUD", .3), "CH": ("CHF", .3),
    "HK": ("HKD", .1), "SG": ("SGD", .1), "TW": ("TWD", .05), "NZ": ("NZD", .2), "CA": ("CAD", .2),
    "VN": ("VND", .03), "TH": ("THB", .05),
    **{c: ("EUR", .6) for c in ("DE", "FR", "IT", "ES", "NL", "DK", "IE", "FI", "BE", "AT")},
}


@dataclass(frozen=True)
class Organisation:
    """A Korean importer or customs broker, with the traits that drive its declarations."""

    id: str
    name: str
    country: str
    role: Literal["importer", "broker"]
    kind: TraderKind
    aeo: bool
    address: str
    active_from: date  # date of the first possible declaration
    declarant_id: str  # who lodges its declarations: itself or its broker
    activity: float = 0.0  # relative share of the declarations
    propensity: float = 0.0  # fraud propensity multiplier
    claims_preference: float = 0.0
    suppliers: tuple[str, ...] = ()  # seller ids
    supplier_weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class Seller:
    """A foreign seller: a manufacturer of one family or an intermediary trading several."""

    id: str
    name: str
    country: str
    kind: Literal["manufacturer", "intermediary"]
    currency: str  # usual invoicing currency
    products: tuple[tuple[str, str], ...]  # (HS6, origin) it sells
    families: tuple[str, ...]


@dataclass(frozen=True)
class _Context:
    start: date
    days: int
    brokers: list[Organisation]
    by_family: dict[str, list[Seller]]


def _currency(rng: random.Random, country: str) -> str:
    local = LOCAL_CURRENCY.get(country)
    if local and rng.random() < local[1]:
        return local[0]
    return "KRW" if rng.random() < 0.03 else "USD"


def _seller(rng: random.Random, n: int, country: str, families: list[tuple[str, list[Good]]],
            products: tuple[tuple[str, str], ...], taken: set[str], fixed: dict[tuple[str, str], str]) -> Seller:
    chapter = families[0][1][0].hs_code[:2]
    name = fixed.pop((families[0][0], country), None)
    name = name or names.unique(rng, lambda r: names.seller_name(r, country, chapter), taken)
    own_make = len(families) == 1 and products[0][1] == country
    return Seller(id=f"{country}S{n:08d}", name=name, country=country,
                  kind="manufacturer" if own_make else "intermediary", currency=_currency(rng, country),
                  products=products, families=tuple(f for f, _ in families))


def build_sellers(rng: random.Random, goods: list[Good]) -> list[Seller]:
    """Manufacturers for every family and origin (two for major origins), then hub intermediaries."""
    by_family: dict[str, list[Good]] = {}
    for good in goods:
        by_family.setdefault(good.family, []).append(good)
    sellers: list[Seller] = []
    taken: set[str] = set()
    fixed = dict(FIXED_SELLER_NAMES)
    for family, members in by_family.items():
        keys = members[0].origins
        total = sum(k.weight for k in keys.values())
        for origin, key in keys.items():
            for _ in range(1 + (key.weight / total >= 0.3)):
                picks = rng.sample(members, min(len(members), rng.randint(2, 6)))
                products = tuple((g.hs_code, origin) for g in picks)
                sellers.append(_seller(rng, len(sellers) + 1, origin, [(family, members)], products, taken, fixed))
    resold = [(f, m) for f, m in by_family.items() if set(m[0].origins) & set(HUB_SOURCES)]
    for n in range(INTERMEDIARIES):
        lines = rng.sample(resold, 2)
        products = tuple(
            (g.hs_code, rng.choice([o for o in g.origins if o in HUB_SOURCES]))
            for _, members in lines
            for g in rng.sample(members, min(3, len(members)))
        )
        sellers.append(_seller(rng, len(sellers) + 1, HUBS[n % len(HUBS)], lines, products, taken, fixed))
    return sellers


def _kinds(rng: random.Random, count: int) -> list[TraderKind]:
    """Trader kinds in fixed proportions, so even a small world has each kind."""
    kinds: list[TraderKind] = []
    for kind, share in KIND_SHARES:
        kinds += [kind] * max(1, round(share * count))
    kinds = (kinds + ["regular"] * count)[:count]
    rng.shuffle(kinds)
    return kinds


def _suppliers(
    rng: random.Random, sectors: tuple[str, ...], ctx: _Context
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    chosen: list[str] = []
    for family in sectors:
        candidates = [s.id for s in ctx.by_family.get(family, []) if s.id not in chosen]
        rng.shuffle(candidates)
        chosen += candidates[: rng.randint(1, 3)]
    return tuple(chosen), tuple(round(rng.lognormvariate(0, 0.7), 4) for _ in chosen)


def _importer(rng: random.Random, ident: str, name: str, kind: TraderKind, sectors: tuple[str, ...],
              ctx: _Context) -> Organisation:
    suppliers, weights = _suppliers(rng, sectors, ctx)
    late = ctx.start + timedelta(days=int(ctx.days * rng.uniform(0.6, 0.95)))
    broker = rng.choice(ctx.brokers).id if rng.random() < 0.7 else ident
    return Organisation(
        id=ident, name=name, country="KR", role="importer", kind=kind, aeo=kind == "aeo",
        address=names.korean_address(rng), active_from=late if kind == "new" else ctx.start,
        declarant_id=broker, activity=rng.lognormvariate(0, 0.9) * (1.5 if kind == "aeo" else 1.0),
        propensity=PROPENSITY[kind] * rng.lognormvariate(0, 0.25),
        claims_preference=CLAIMS_PREFERENCE[kind], suppliers=suppliers, supplier_weights=weights,
    )


def _brokers(rng: random.Random, count: int, start: date, taken: set[str]) -> list[Organisation]:
    """Customs brokers lodging for most importers; every third one is an AEO."""
    return [
        Organisation(
            id=f"KR2{n:09d}", name=names.unique(rng, names.broker_name, taken), country="KR", role="broker",
            kind="aeo" if n % 3 == 1 else "regular", aeo=n % 3 == 1, address=names.korean_address(rng),
            active_from=start, declarant_id=f"KR2{n:09d}",
        )
        for n in range(1, count + 1)
    ]


def _demo(org: Organisation, sectors: tuple[str, ...], sellers: list[Seller]) -> Organisation:
    """Demo companies lodge themselves, are busy, and buy from the seller the examples name."""
    named = {name for (family, _), name in FIXED_SELLER_NAMES.items() if family in sectors}
    known = tuple(s.id for s in sellers if s.name in named and s.id not in org.suppliers)
    return replace(org, activity=3.0, propensity=PROPENSITY["regular"], declarant_id=org.id,
                   suppliers=known + org.suppliers, supplier_weights=(1.0,) * len(known) + org.supplier_weights)


def build_parties(
    rng: random.Random, goods: list[Good], *, traders: int, start: date, days: int
) -> tuple[list[Organisation], list[Seller]]:
    """Importers (the two demo companies first), brokers, and the sellers the importers buy from."""
    if traders < len(DEMO_TRADERS):
        raise ValueError(f"traders must be at least {len(DEMO_TRADERS)}")
    sellers = build_sellers(rng, goods)
    by_family: dict[str, list[Seller]] = {}
    for seller in sellers:
        for family in seller.families:
            by_family.setdefault(family, []).append(seller)
    taken = {name for _, name, _ in DEMO_TRADERS}
    ctx = _Context(start, days, _brokers(rng, max(2, traders // 8), start, taken), by_family)
    importers = [_demo(_importer(rng, ident, name, "regular", sectors, ctx), sectors, sellers)
                 for ident, name, sectors in DEMO_TRADERS]
    families = list(by_family)
    for n, kind in enumerate(_kinds(rng, traders - len(DEMO_TRADERS)), start=len(DEMO_TRADERS) + 1):
        sectors = tuple(rng.sample(families, rng.randint(2, 4)))
        name = names.unique(rng, names.importer_name, taken)
        importers.append(_importer(rng, f"KR1{n:09d}", name, kind, sectors, ctx))
    used = {s for org in importers for s in org.suppliers}
    return importers + ctx.brokers, [s for s in sellers if s.id in used]
