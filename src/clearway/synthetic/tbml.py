"""A synthetic world with trade-based money-laundering schemes planted on top of ordinary traffic, with ground truth.

`generate_tbml_world(seed=...)` takes the ordinary world of `generate_world` unchanged (its imports,
frauds and inspections) and adds, from its own seeded generator: ordinary exports (some to foreign
firms that also sell to Korea, so legitimate two-way trade and cycles exist), firms' contact details
(business centres and corporate groups share addresses and phones), arrival and exit records (a few
missing for no reason), and six schemes run by rings of firms:

- under_invoicing: fronts importing dutiable goods at a fraction of their price (duty evaded, value in);
- over_invoicing: imports at several times the price from hub sellers (value moved out);
- round_trip: a firm exports goods and imports the same goods back from the same foreign firm;
- carousel: A exports to X, X sells to B, B exports to Y, Y sells to A, the same goods going round;
- phantom: declarations (exports and imports) whose goods never exit or arrive;
- shell: new fronts sharing one address, phone and payment reference, buying from one seller.

Each scheme line is labelled in `scheme` (and its ring in `ring`); labels are never in a column a
detector reads. Only inspected lines carry an outcome (`found`), as in a real administration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from clearway.synthetic.world import World, generate_world

SCHEMES = ("under_invoicing", "over_invoicing", "round_trip", "carousel", "phantom", "shell")
NETWORK_SCHEMES = ("round_trip", "carousel", "phantom", "shell")
HUBS = ("HK", "AE", "SG", "PA")  # where over-invoicing sellers sit (some are on the high-risk list, some not)
PAYMENT_TYPES = ("11", "11", "11", "11", "12", "12", "21", "13", "43")  # 13/43: paid by a third party
RANDOM_INSPECTION, TARGETED_INSPECTION = 0.01, 0.06
DETECTION = 0.7  # how often an inspection finds a scheme that is there
MISSING_MOVEMENT = 0.01  # ordinary declarations whose arrival or exit record is missing (data gaps)


@dataclass
class TbmlWorld:
    """Ordinary traffic and planted schemes as one frame of declaration lines, with the firms and movements."""

    seed: int
    start: date
    end: date
    base: World
    lines: pd.DataFrame  # the enforcement frame plus direction, inspected, found, scheme, ring, base_fraud
    parties: pd.DataFrame  # domestic firms: id, address, phone, payment_ref
    moved: frozenset[str]  # declaration ids with an arrival (import) or exit (export) record

    def truth(self, scheme: str) -> np.ndarray:
        """Boolean mask of the lines of one scheme."""
        return (self.lines["scheme"] == scheme).to_numpy()


def _rng(seed: int, name: str) -> np.random.Generator:
    # A SeedSequence of the seed and a fixed tag per concern: stable across processes, concerns independent.
    return np.random.default_rng(np.random.SeedSequence([seed, *name.encode()]))


def _base_lines(world: World) -> pd.DataFrame:
    """The ordinary world's import lines in the enforcement frame (declared facts only, truth kept aside)."""
    flat = world.to_flat_frame()
    rng = _rng(world.seed, "payments")
    return pd.DataFrame({
        "declaration_id": flat["declaration_id"], "item": flat["item_no"],
        "date": pd.to_datetime(flat["lodged_at"], utc=True), "direction": "IM", "office": flat["office"],
        "transport_mode": flat["transport_mode"].astype(str), "hs6": flat["hs_code"].astype(str).str[:6],
        "origin": flat["origin_country"], "departure": flat["departure_country"], "importer": flat["importer_id"],
        "seller": flat["seller_id"], "seller_country": flat["seller_country"], "declarant": flat["declarant_id"],
        "value": flat["value"].astype(float), "mass_kg": flat["net_mass_kg"].astype(float),
        "tax_rate": flat["duty_rate"].astype(float),
        "payment_type": rng.choice(PAYMENT_TYPES, len(flat)),
        "inspected": flat["inspected"].astype(bool),
        "found": flat["inspected"].astype(bool) & (flat["fraud"] == 1),  # refined below from the records
        "scheme": "", "ring": "", "base_fraud": flat["fraud_kind"], "added": False,
    })


def _found_from_records(world: World, lines: pd.DataFrame) -> pd.Series:
    """The ordinary world's inspection outcome per line (found_fraud of its declaration)."""
    found = {r.document["lrn"]: r.found_fraud for r in world.declarations}
    return lines["declaration_id"].map(found).fillna(False).astype(bool)


class _Planter:
    """Adds lines cloned from ordinary imports (so goods, masses and prices look like real ones) to the world."""

    def __init__(self, base: pd.DataFrame, start: date, days: int, rng: np.random.Generator) -> None:
        self.base, self.start, self.days, self.rng = base, start, days, rng
        counts = base["hs6"].value_counts()
        self.common = base[base["hs6"].isin(counts[counts >= 40].index) & (base["tax_rate"] > 0)
                           & (base["value"] > 1_000_000)].reset_index(drop=True)
        self.rows: list[dict[str, object]] = []
        self.counters: dict[str, int] = {}
        # New firms continue the ordinary numbering in a shuffled order, so an id says nothing about a scheme.
        self.numbers = list(rng.permutation(np.arange(1000, 9000)))

    def country(self) -> str:
        """A partner country drawn as often as ordinary sellers come from it (schemes hide in the usual mix)."""
        return str(self.base["seller_country"].iloc[int(self.rng.integers(0, len(self.base)))])

    def firm(self) -> str:
        """A fresh domestic firm id, numbered like the ordinary world's."""
        return f"KR10000{int(self.numbers.pop()):05d}"

    def foreign(self, country: str) -> str:
        """A fresh foreign firm id, numbered like the ordinary world's sellers."""
        return f"{country}S{int(self.numbers.pop()) + 10_000:08d}"

    def when(self, lo: int = 0, hi: int | None = None) -> pd.Timestamp:
        """A lodgement instant on a day in [lo, hi) of the period, in office hours (UTC)."""
        day = int(self.rng.integers(lo, hi if hi is not None else self.days))
        hour = float(self.rng.uniform(0, 9))  # 09:00-18:00 KST
        return pd.Timestamp(self.start + timedelta(days=day), tz="UTC") + pd.Timedelta(hours=hour)

    def template(self, hs6: str | None = None) -> dict[str, object]:
        """A random ordinary import line to copy goods and a fair price from (of one HS6 when given)."""
        pool = self.common if hs6 is None else self.common[self.common["hs6"] == hs6]
        return dict(pool.iloc[int(self.rng.integers(0, len(pool)))])

    def add(self, t: dict[str, object], *, direction: str, firm: str, partner: str, partner_country: str,
            declarant: str, at: pd.Timestamp, factor: float = 1.0, scheme: str = "", ring: str = "",
            payment: str | None = None) -> str:
        """One declaration line; returns its id."""
        self.counters[declarant] = number = self.counters.get(declarant, 0) + 1
        ref = f"{declarant}-{at.year}-{900_000 + number:06d}"
        origin = "KR" if direction == "EX" else str(t["origin"])
        # a hub seller ships from the hub about half the time, as ordinary intermediaries do
        via_hub = partner_country in HUBS and self.rng.random() < 0.5
        departure = "KR" if direction == "EX" else (partner_country if via_hub else str(t["origin"]))
        self.rows.append({
            "declaration_id": ref, "item": 1, "date": at, "direction": direction, "office": t["office"],
            "transport_mode": t["transport_mode"], "hs6": t["hs6"], "origin": origin, "departure": departure,
            "importer": firm, "seller": partner, "seller_country": partner_country, "declarant": declarant,
            "value": float(round(float(t["value"]) * factor * float(self.rng.lognormal(0, 0.05)))),  # type: ignore[arg-type]
            "mass_kg": float(t["mass_kg"]),  # type: ignore[arg-type]
            "tax_rate": float(t["tax_rate"]) if direction == "IM" else 0.0,  # type: ignore[arg-type]
            "payment_type": payment or str(self.rng.choice(PAYMENT_TYPES)), "inspected": False, "found": False,
            "scheme": scheme, "ring": ring, "base_fraud": "", "added": True,
        })
        return ref


def _ordinary_exports(p: _Planter, importers: list[str], sellers: pd.DataFrame, share: float) -> None:
    """Exports of ordinary firms: mostly to foreign buyers, some back to a firm that also sells to Korea."""
    countries = p.rng.choice(["US", "JP", "CN", "VN", "DE", "AU", "TH", "IN", "HK", "AE", "SG"], 400)
    buyers = [p.foreign(str(c)) for c in countries]
    n = int(len(p.base) * share)
    for _ in range(n):
        firm = importers[int(p.rng.integers(0, len(importers)))]
        t = p.template()
        if p.rng.random() < 0.15:  # processing trade: goods sold to one of the firm's own suppliers
            own = sellers[sellers["importer"] == firm]
            if len(own):
                row = own.iloc[int(p.rng.integers(0, len(own)))]
                p.add(t, direction="EX", firm=firm, partner=str(row["seller"]), partner_country=str(row["country"]),
                      declarant=firm, at=p.when())
                continue
        i = int(p.rng.integers(0, len(buyers)))
        p.add(t, direction="EX", firm=firm, partner=buyers[i], partner_country=str(countries[i]), declarant=firm,
              at=p.when())


def _newcomers(p: _Planter, count: int) -> list[str]:
    """Ordinary new firms: importers at fair prices from their own sellers, some of them exporting too."""
    firms = [p.firm() for _ in range(count)]
    for firm in firms:
        sellers = [(p.foreign(c), c) for c in p.rng.choice(["CN", "VN", "HK", "US", "JP"], 2)]
        lo = int(p.rng.integers(0, p.days - 30))
        for _ in range(int(p.rng.integers(3, 25))):
            seller, country = sellers[int(p.rng.integers(0, 2))]
            p.add(p.template(), direction="IM", firm=firm, partner=seller, partner_country=str(country),
                  declarant=firm, at=p.when(lo))
    return firms


def _plant(p: _Planter, established: list[str], rings: int) -> dict[str, tuple[str, str, str]]:
    """Every scheme, `rings` rings each; returns the fronts' shared contact details (address, phone, payment)."""
    rng, shared = p.rng, {}
    for r in range(rings):
        # Under-invoicing: four fronts, one small broker, two sellers; dutiable goods at 15-45 % of their price.
        broker = p.firm()
        fronts = [p.firm() for _ in range(4)]
        sellers = [p.foreign("CN"), p.foreign("VN")]
        for _ in range(40):
            t = p.template()
            p.add(t, direction="IM", firm=fronts[int(rng.integers(0, 4))], partner=sellers[int(rng.integers(0, 2))],
                  partner_country=str(t["origin"]), declarant=broker, at=p.when(),
                  factor=float(rng.uniform(0.15, 0.45)), scheme="under_invoicing", ring=f"U{r}")
        # Over-invoicing: three importers (one an established firm) buying at 3-8x from a hub seller.
        buyers = [p.firm(), p.firm(), established[int(rng.integers(0, len(established)))]]
        hub = str(rng.choice(HUBS)) if rng.random() < 0.5 else p.country()
        over_seller = p.foreign(hub)
        for _ in range(30):
            t = p.template()
            p.add(t, direction="IM", firm=buyers[int(rng.integers(0, 3))], partner=over_seller, partner_country=hub,
                  declarant=buyers[0], at=p.when(), factor=float(rng.uniform(3.0, 8.0)), scheme="over_invoicing",
                  ring=f"O{r}", payment=str(rng.choice(["11", "13", "43"])))
        # Round trips: a firm exports goods to a foreign firm and imports the same goods back weeks later.
        country = p.country()
        firm, partner = p.firm(), p.foreign(country)
        for _ in range(10):
            t = p.template()
            at = p.when(0, p.days - 30)
            p.add(t, direction="EX", firm=firm, partner=partner, partner_country=country, declarant=firm, at=at,
                  scheme="round_trip", ring=f"R{r}")
            back = at + pd.Timedelta(days=float(rng.uniform(5, 30)))
            p.add(t, direction="IM", firm=firm, partner=partner, partner_country=country, declarant=firm, at=back,
                  factor=float(rng.uniform(0.95, 1.2)), scheme="round_trip", ring=f"R{r}")
        # Carousel: A -> X -> B -> Y -> A, each leg a declaration of the same goods.
        a, b, x, y = p.firm(), p.firm(), p.foreign(p.country()), p.foreign(p.country())
        for _ in range(8):
            t = p.template()
            at = p.when(0, p.days - 25)
            legs = (("EX", a, x), ("IM", b, x), ("EX", b, y), ("IM", a, y))
            for k, (direction, domestic, foreign) in enumerate(legs):
                p.add(t, direction=direction, firm=domestic, partner=foreign, partner_country=foreign[:2],
                      declarant=domestic, at=at + pd.Timedelta(days=float(7 * k + rng.uniform(0, 5))),
                      factor=float(rng.uniform(1, 1.1)), scheme="carousel", ring=f"C{r}")
        # Phantom shipments: two firms declaring exports and imports that never move.
        ghosts, ghost_partner = [p.firm(), p.firm()], p.foreign(p.country())
        for _ in range(24):
            t = p.template()
            direction = "EX" if rng.random() < 0.6 else "IM"
            p.add(t, direction=direction, firm=ghosts[int(rng.integers(0, 2))], partner=ghost_partner,
                  partner_country=ghost_partner[:2], declarant=ghosts[0], at=p.when(),
                  factor=float(rng.uniform(1.0, 1.6)), scheme="phantom", ring=f"P{r}")
        # Shell companies: five new fronts sharing an address, a phone and a payment reference.
        shells = [p.firm() for _ in range(5)]
        seller = p.foreign(p.country())
        details = (f"{100 + r} Teheran-ro, Suite {int(rng.integers(100, 999))}, Gangnam-gu, Seoul",
                   f"+82-2-{int(rng.integers(1000, 9999))}-{r:04d}", f"PAY-SH{r:02d}")
        shared.update(dict.fromkeys(shells, details))
        for _ in range(30):
            t = p.template()
            p.add(t, direction="IM", firm=shells[int(rng.integers(0, 5))], partner=seller, partner_country=seller[:2],
                  declarant=established[int(rng.integers(0, len(established)))], at=p.when(),
                  factor=float(rng.uniform(1.0, 1.5)), scheme="shell", ring=f"S{r}")
    return shared


def _parties(firms: list[str], base: World, shared: dict[str, tuple[str, str, str]],
             rng: np.random.Generator) -> pd.DataFrame:
    """Contact details of every domestic firm: business centres share an address, corporate groups a phone too."""
    known = {o.id: o.address for o in base.organisations}
    centres = [f"{n} Business Center, {street}" for n, street in
               zip(rng.integers(1, 400, 12), ["Teheran-ro, Gangnam-gu, Seoul", "Jong-ro, Seoul", "Haeun-daero, Busan",
                                               "Songdo-dong, Incheon"] * 3, strict=False)]
    rows = []
    for i, firm in enumerate(sorted(firms)):
        if firm in shared:
            address, phone, pay = shared[firm]
        else:
            address = known.get(firm) or f"{int(rng.integers(1, 900))} Saemal-ro, Guro-gu, Seoul"
            phone, pay = f"+82-{int(rng.integers(2, 70))}-{int(rng.integers(1000, 9999))}-{i:04d}", f"PAY-{i:06d}"
            if rng.random() < 0.15:  # in a business centre: the address is shared with strangers
                address = centres[int(rng.integers(0, len(centres)))]
            if rng.random() < 0.03:  # a corporate group: the centre's address and the group's switchboard
                group = int(rng.integers(0, 4))
                address, phone = centres[group], f"+82-2-555-{group:04d}"
        rows.append({"id": firm, "address": address, "phone": phone, "payment_ref": pay})
    return pd.DataFrame(rows)


def _inspect(lines: pd.DataFrame, rng: np.random.Generator) -> None:
    """Inspect the added lines as the legacy system would (random sample plus a noisy price score); set `found`."""
    new = lines["added"].to_numpy(dtype=bool)
    luv = np.log(lines["value"] / lines["mass_kg"])
    typical = luv.groupby(lines["hs6"]).transform("median")
    legacy = (typical - luv).to_numpy() + rng.normal(0, 1.0, len(lines))
    cut = np.quantile(legacy[new], 1 - TARGETED_INSPECTION)
    inspected = new & ((rng.random(len(lines)) < RANDOM_INSPECTION) | (legacy >= cut))
    found = inspected & (lines["scheme"] != "").to_numpy() & (rng.random(len(lines)) < DETECTION)
    lines.loc[new, "inspected"] = inspected[new]
    lines.loc[new, "found"] = found[new]


def generate_tbml_world(*, seed: int = 7, days: int = 365, end: date = date(2026, 11, 30),
                        declarations_per_day: int = 60, traders: int = 150, rings: int = 2) -> TbmlWorld:
    """A reproducible world of ordinary traffic and `rings` rings of every TBML scheme, with ground truth."""
    base = generate_world(seed=seed, days=days, end=end, declarations_per_day=declarations_per_day, traders=traders)
    lines = _base_lines(base)
    lines["found"] = _found_from_records(base, lines)
    rng = _rng(seed, "tbml")
    planter = _Planter(lines, base.start, days, rng)
    importers = sorted(set(lines["importer"]))
    suppliers = (lines[["importer", "seller", "seller_country"]].drop_duplicates()
                 .rename(columns={"seller_country": "country"}))
    importers += _newcomers(planter, 40)
    _ordinary_exports(planter, importers, suppliers, share=0.25)
    shared = _plant(planter, importers, rings)
    added = pd.DataFrame(planter.rows)
    added["date"] = pd.to_datetime(added["date"], utc=True)
    lines = pd.concat([lines, added], ignore_index=True)
    lines["base_fraud"] = lines["base_fraud"].fillna("")
    lines = lines.sort_values(["date", "declaration_id", "item"], kind="stable").reset_index(drop=True)
    _inspect(lines, rng)
    lines = lines.drop(columns="added")
    lines["period"] = lines["date"].dt.strftime("%Y-%m")
    moved = _movements(lines, rng, end)
    parties = _parties(sorted(set(lines["importer"])), base, shared, rng)
    return TbmlWorld(seed=seed, start=base.start, end=end, base=base, lines=lines, parties=parties, moved=moved)


def _movements(lines: pd.DataFrame, rng: np.random.Generator, end: date) -> frozenset[str]:
    """Declarations whose goods were recorded arriving or leaving: all but phantoms, a few gaps, and the last days'."""
    ids = lines.drop_duplicates("declaration_id")
    phantom = (ids["scheme"] == "phantom").to_numpy()
    gap = rng.random(len(ids)) < MISSING_MOVEMENT
    pending = (ids["date"] >= pd.Timestamp(end - timedelta(days=2), tz="UTC")).to_numpy() & (rng.random(len(ids)) < 0.3)
    return frozenset(ids["declaration_id"][~(phantom | gap | pending)])


def model_frame(lines: pd.DataFrame) -> pd.DataFrame:
    """The lines as the risk model's canonical frame; `fraud` only where inspected (NaN otherwise)."""
    return pd.DataFrame({
        "declaration_id": lines["declaration_id"], "office": lines["office"], "declarant_id": lines["declarant"],
        "importer_id": lines["importer"], "seller_id": lines["seller"], "seller_country": lines["seller_country"],
        "hs_code": lines["hs6"], "origin_country": lines["origin"], "departure_country": lines["departure"],
        "transport_mode": lines["transport_mode"], "duty_type": "", "procedure": lines["direction"],
        "import_type": "", "import_use": "", "payment_type": lines["payment_type"], "origin_indicator": "",
        "importer_name": "", "lodged_at": lines["date"], "item_no": lines["item"].astype(float),
        "net_mass_kg": lines["mass_kg"], "value": lines["value"], "duty_rate": lines["tax_rate"],
        "fraud": np.where(lines["inspected"], lines["found"].astype(float), np.nan),
        "revenue_recovered": np.where(lines["inspected"], lines["found"] * lines["value"] * lines["tax_rate"] / 100,
                                      np.nan),
    })
