"""Draw one true consignment: what an importer buys from a seller, how it travels, when it is lodged.

Each item line keeps two sets of facts, the truth and what is declared; they start equal and only
the fraud module makes them differ.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from clearway.reference import service as reference
from clearway.synthetic.catalogue import Good, GoodsKey
from clearway.synthetic.parties import Organisation, Seller
from clearway.synthetic.records import FraudKind
from clearway.synthetic.tables import PREFERENCES, mfn_rate, usd_to

COUNT_UNITS = frozenset({"NAR", "PCE", "PR", "SET", "DZN"})
# Share of a sea lot that travels by each mode: air and post carry far smaller consignments.
MODE_SCALE = {"1": 1.0, "3": 0.4, "4": 0.12, "5": 0.004}
BORDER_OFFICES = {"1": "KR0201:50 KR0501:25 KR0401:25", "3": "KR0601:1", "4": "KR0101:1", "5": "KR0101:1"}
INLAND_OFFICE, INLAND_SHARE = "KR0301", 0.15  # cleared inland after crossing at a port or airport
INCOTERMS = {
    "1": "FOB:40 CIF:25 CFR:15 EXW:8 FCA:7 DAP:5", "3": "FCA:30 DAP:40 EXW:20 CPT:10",
    "4": "FCA:35 EXW:20 CPT:15 CIP:10 DAP:15 DDP:5", "5": "DAP:60 DDP:20 CPT:20",
}
FREIGHT_USD_PER_KG = {"1": (0.05, 0.15), "3": (0.1, 0.3), "4": (2.0, 5.0), "5": (4.0, 9.0)}
AIRLINES = ("KE", "OZ", "CA", "MU", "CZ", "JL", "NH", "LH", "AF", "DL", "CX", "SQ", "VN", "TG", "5X", "FX")
PACKAGE_KG = {"CT": 12, "PX": 450, "BG": 25, "BX": 3, "PK": 40, "DR": 180, "CR": 30}
ITEM_COUNTS, ITEM_CUM_WEIGHTS = (1, 2, 3, 4, 5), (50, 75, 88, 95, 100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Facts:
    """An item's code, origin, measures and value, either true or as declared."""

    hs_code: str
    description: str
    origin: str
    net_mass: Decimal
    quantity: Decimal
    unit: str
    value: Decimal  # declaration currency
    preference: str | None = None
    proof: str | None = None


@dataclass(slots=True)
class Line:
    """One goods item: the catalogue entry, its key, and its true and declared facts."""

    good: Good
    key: GoodsKey
    true: Facts
    declared: Facts
    gross_factor: float


@dataclass(slots=True)
class Consignment:
    """A shipment as it really happened, with its declared view per line."""

    importer: Organisation
    seller: Seller
    mode: str
    office: str
    border_office: str
    departure_country: str
    means_id: str | None
    lodged_at: datetime
    arrival: datetime
    currency: str
    incoterm: str
    freight: Decimal | None
    insurance_rate: float | None  # applied to the declared invoice, as a fraudster would
    lines: list[Line]
    fraud_kind: FraudKind | None = None
    concealed: str | None = None


def pick(rng: random.Random, spec: dict[str, float] | str) -> str:
    """A key drawn by weight from a mapping or a "KEY:weight ..." string."""
    table = _parse(spec) if isinstance(spec, str) else spec
    return rng.choices(list(table), weights=list(table.values()))[0]


@lru_cache
def _parse(spec: str) -> dict[str, float]:
    return {k: float(w) for k, w in (token.split(":") for token in spec.split())}


def to_decimal(x: float, step: Decimal = CENT) -> Decimal:
    """Round a float to a step, never below the step itself."""
    return max(step, Decimal(x).quantize(step, rounding=ROUND_HALF_UP))


def quantity_for(unit: str, kg_per_unit: float, mass: Decimal, count: Decimal | None = None) -> Decimal:
    """The supplementary quantity of a mass in a unit (a count is kept when the unit counts)."""
    if unit == "KGM":
        return mass
    if unit in COUNT_UNITS:
        return count if count is not None else Decimal(max(1, round(float(mass) / kg_per_unit)))
    return to_decimal(float(mass) / kg_per_unit)


def describe(rng: random.Random, good: Good, seller_id: str, year: int) -> str:
    """Trade wording: the HS text and a qualifier with a model stable per seller and good."""
    variant = zlib.crc32(f"{seller_id}{good.hs_code}{rng.randint(0, 2)}".encode())
    model = f"{chr(65 + variant % 26)}{chr(65 + variant // 26 % 26)}-{1000 + variant % 9000}"
    qualifier = rng.choice(good.qualifiers).format(m=model, y=year - rng.randint(0, 2))
    return f"{good.description}, {qualifier}"


@dataclass(frozen=True)
class _Draw:
    importer: Organisation
    seller: Seller
    day: date
    mode: str
    currency: str


def _line(rng: random.Random, good: Good, origin: str, c: _Draw) -> Line:
    key = good.origins[origin]
    mass_kg = good.lot_kg * rng.lognormvariate(0, 0.8) * MODE_SCALE[c.mode]
    count = None
    if good.unit in COUNT_UNITS:
        count = Decimal(max(1, round(mass_kg / good.kg_per_unit)))
        mass_kg = float(count) * good.kg_per_unit * rng.uniform(0.97, 1.03)
    mass = to_decimal(mass_kg)
    value = usd_to(mass_kg * key.draw_usd_per_kg(rng), c.currency)
    preference = proof = None
    if origin in PREFERENCES and mfn_rate(good.hs_code) > 0 and rng.random() < c.importer.claims_preference:
        preference = PREFERENCES[origin][0]
        proof = f"CO-{origin}-{c.day.year}-{rng.randint(1, 999999):06d}"
    facts = Facts(good.hs_code, describe(rng, good, c.seller.id, c.day.year), origin, mass,
                  quantity_for(good.unit, good.kg_per_unit, mass, count), good.unit, value, preference, proof)
    return Line(good, key, facts, facts, rng.uniform(1.03, 1.2))


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def lodgement_time(rng: random.Random, office_code: str, day: date) -> datetime:
    """A UTC instant within the office's opening hours, busiest late in the morning."""
    office = reference.offices()[office_code]
    opens, closes = _minutes(office.opens), _minutes(office.closes)
    minute = int(rng.triangular(opens, closes - 1, min(max(opens, 11 * 60), closes - 1)))
    local = datetime.combine(day, time()) + timedelta(minutes=minute, seconds=rng.randint(0, 59))
    return local.replace(tzinfo=ZoneInfo(office.timezone)).astimezone(UTC)


def _route(rng: random.Random, mode: str) -> tuple[str, str, str | None]:
    """Border office, lodging office and means of transport for a mode."""
    border = pick(rng, BORDER_OFFICES[mode])
    office = INLAND_OFFICE if mode in ("1", "4") and rng.random() < INLAND_SHARE else border
    if mode == "1":
        return border, office, f"IMO{rng.randint(9100000, 9899999)}"  # vessel IMO number
    if mode == "3":
        return border, office, f"{rng.randint(10, 99)}BA{rng.randint(1000, 9999)}"  # truck plate
    if mode == "4":
        return border, office, f"{rng.choice(AIRLINES)}{rng.randint(1, 999):04d}"  # flight number
    return border, office, None  # postal items travel without a declared means


def _arrival(rng: random.Random, mode: str, lodged_at: datetime) -> datetime:
    """Arrival at the border; a fifth of declarations are lodged before the goods arrive."""
    if rng.random() < 0.2:
        return lodged_at + timedelta(minutes=rng.randint(120, 48 * 60))
    longest = 96 if mode == "1" else 24
    return lodged_at - timedelta(minutes=rng.randint(60, longest * 60))


def _freight(rng: random.Random, c: _Draw, incoterm: str, lines: list[Line]) -> Decimal | None:
    """Freight, shown when the buyer pays the main carriage; it follows the true mass."""
    if reference.incoterms()[incoterm]["buyer_pays_main_carriage"] != "1":
        return None
    mass = sum(float(line.true.net_mass) for line in lines)
    return usd_to(mass * rng.uniform(*FREIGHT_USD_PER_KG[c.mode]), c.currency)


def _insurance_rate(rng: random.Random, incoterm: str) -> float | None:
    """Insurance as a share of the invoice, unless the seller covers it (CIF, CIP, D terms)."""
    if incoterm in ("CIF", "CIP") or reference.incoterms()[incoterm]["group"] == "D":
        return None
    return rng.uniform(0.001, 0.003)


def draw_consignment(
    rng: random.Random, *, importer: Organisation, seller: Seller, goods: dict[str, Good], day: date
) -> Consignment:
    """A consignment from a seller to an importer lodged on a day, true and declared alike."""
    count = min(len(seller.products), rng.choices(ITEM_COUNTS, cum_weights=ITEM_CUM_WEIGHTS)[0])
    picks = rng.sample(seller.products, count)
    mode = pick(rng, goods[picks[0][0]].modes)
    currency = seller.currency if rng.random() < 0.9 else "USD"
    draw = _Draw(importer, seller, day, mode, currency)
    lines = [_line(rng, goods[hs], origin, draw) for hs, origin in picks]
    incoterm = pick(rng, INCOTERMS[mode])
    freight, insurance_rate = _freight(rng, draw, incoterm, lines), _insurance_rate(rng, incoterm)
    border, office, means = _route(rng, mode)
    lodged_at = lodgement_time(rng, office, day)
    departure = seller.country if seller.kind == "intermediary" else picks[0][1]
    return Consignment(importer, seller, mode, office, border, departure, means, lodged_at,
                       _arrival(rng, mode, lodged_at), currency, incoterm, freight, insurance_rate, lines)
