"""The synthetic world: parties, goods and a history of declarations with ground truth.

`generate_world` is deterministic: each concern draws from its own generator seeded from the
world seed by name (never by Python's salted `hash`), so the same seed gives byte-identical
exports in any process, and changing one concern does not reshuffle the others.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from clearway.synthetic import frame
from clearway.synthetic.catalogue import Good, build_catalogue, misclassification_targets
from clearway.synthetic.consignments import Consignment, draw_consignment
from clearway.synthetic.declarations import build_document, build_truth
from clearway.synthetic.fraud import plant_fraud
from clearway.synthetic.inspection import select_day
from clearway.synthetic.parties import Organisation, Seller, build_parties
from clearway.synthetic.records import DeclarationRecord

# Relative lodgement volume Monday..Sunday: weekends are quiet but not empty.
WEEKDAY_VOLUME = (1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 0.15)


@dataclass
class World:
    """Everything generated for one seed and period."""

    seed: int
    start: date
    end: date
    organisations: list[Organisation]  # importers (demo companies first), then brokers
    sellers: list[Seller]
    goods: list[Good]
    declarations: list[DeclarationRecord]  # in lodgement order

    def to_flat_frame(self) -> pd.DataFrame:
        """Clearway's native flat item format: one row per declared item, with ground truth."""
        return frame.flat_frame(self.declarations)

    def to_csv(self, path: str | Path) -> None:
        """Write the flat item frame as CSV."""
        self.to_flat_frame().to_csv(path, index=False, lineterminator="\n")

    def write_jsonl(self, path: str | Path) -> None:
        """Write one DeclarationCreate document per line, for bulk import."""
        with Path(path).open("w", encoding="utf-8", newline="\n") as out:
            for record in self.declarations:
                out.write(json.dumps(record.document, ensure_ascii=False, separators=(",", ":")) + "\n")


def _stream(seed: int, name: str) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, so it is stable across processes.
    return random.Random(f"clearway-synthetic/{seed}/{name}")


@dataclass(frozen=True)
class _Setting:
    goods: dict[str, Good]
    targets: dict[str, tuple[str, ...]]
    importers: list[Organisation]
    sellers: dict[str, Seller]
    per_day: int


def _day(rng: random.Random, day: date, s: _Setting) -> list[Consignment]:
    """A day's consignments in lodgement order, frauds planted."""
    mean = s.per_day * WEEKDAY_VOLUME[day.weekday()] * 7 / sum(WEEKDAY_VOLUME)
    count = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean > 0 else 0
    active = [o for o in s.importers if o.active_from <= day]
    chosen = rng.choices(active, weights=[o.activity for o in active], k=count) if active else []
    consignments = []
    for importer in chosen:
        seller = s.sellers[rng.choices(importer.suppliers, weights=importer.supplier_weights)[0]]
        c = draw_consignment(rng, importer=importer, seller=seller, goods=s.goods, day=day)
        plant_fraud(rng, c, s.goods, s.targets)
        consignments.append(c)
    consignments.sort(key=lambda c: c.lodged_at)
    return consignments


def _record(c: Consignment, outcome: tuple[bool, bool, bool], lrn: str, declarant: Organisation) -> DeclarationRecord:
    inspected, random_pick, found = outcome
    return DeclarationRecord(
        document=build_document(c, lrn, declarant), lodged_at=c.lodged_at, declarant_org_id=declarant.id,
        truth=build_truth(c), inspected=inspected, random_pick=random_pick, found_fraud=found,
    )


def _history(seed: int, start: date, days: int, s: _Setting, orgs: dict[str, Organisation]) -> list[DeclarationRecord]:
    """Day by day: draw consignments, inspect some, and number them per declarant and year."""
    draw, inspect = _stream(seed, "history"), _stream(seed, "inspection")
    counters: dict[tuple[str, int], int] = {}
    records = []
    for offset in range(days):
        consignments = _day(draw, start + timedelta(days=offset), s)
        outcomes = select_day(inspect, consignments, s.goods)
        for c, outcome in zip(consignments, outcomes, strict=True):
            declarant, year = c.importer.declarant_id, c.lodged_at.year
            counters[declarant, year] = counters.get((declarant, year), 0) + 1
            lrn = f"{declarant}-{year}-{counters[declarant, year]:06d}"
            records.append(_record(c, outcome, lrn, orgs[declarant]))
    return records


def generate_world(
    *, seed: int = 7, days: int = 365, end: date, declarations_per_day: int = 60, traders: int = 40
) -> World:
    """A reproducible world: `days` days of history ending on `end` (inclusive)."""
    if days < 1 or declarations_per_day < 0:
        raise ValueError("days must be positive and declarations_per_day not negative")
    start = end - timedelta(days=days - 1)
    goods = build_catalogue(_stream(seed, "catalogue"))
    organisations, sellers = build_parties(_stream(seed, "parties"), goods, traders=traders, start=start, days=days)
    setting = _Setting(
        goods={g.hs_code: g for g in goods},
        targets=misclassification_targets(goods),
        importers=[o for o in organisations if o.role == "importer" and o.suppliers],
        sellers={s.id: s for s in sellers},
        per_day=declarations_per_day,
    )
    records = _history(seed, start, days, setting, {o.id: o for o in organisations})
    return World(seed=seed, start=start, end=end, organisations=organisations, sellers=sellers, goods=goods,
                 declarations=records)
