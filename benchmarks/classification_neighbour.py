"""The lower-duty-neighbour atom on the held-out classification set: how often it fires when a cheaper sibling
subheading of the same heading is declared (and the true code carries the higher duty), how often it fires
when the true code is declared (the sibling carrying the higher duty), and its cost per check.

Duties are synthetic (10 % on one side, 0 % on the other) because the demo tariff has one rate per chapter;
the sibling is drawn at random (seed 7) among the other HS6 codes of the true code's heading.

    .venv/bin/python benchmarks/classification_neighbour.py
"""

from __future__ import annotations

import os
import random
import time
from decimal import Decimal

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from classification import LANGS, load  # the same evaluation rows as the quality benchmark
from clearway.classification.bundle import model_current
from clearway.classification.neighbours import DutyTable, _better_neighbour, lower_duty_neighbour

TEN, ZERO = Decimal(10), Decimal(0)
ROUNDS = 5


def main() -> None:
    """Print fire rates per language and the p50/p99 cost of an uncached check."""
    model = model_current()
    by_heading: dict[str, list[str]] = {}
    for code in model.codes:
        by_heading.setdefault(code[:4], []).append(code)
    rows = [r for r in load() if len(by_heading.get(r["hs6"][:4], ())) > 1]
    print(f"model {model.version}; {len(rows)} goods whose heading has more than one subheading")
    for lang in LANGS:
        rng, fired, false, costs, raw = random.Random(7), 0, 0, [], []
        for row in rows:
            true = row["hs6"]
            sibling = rng.choice([c for c in by_heading[true[:4]] if c != true])
            cheaper = DutyTable.of([(true, TEN), (sibling, ZERO)])
            fired += lower_duty_neighbour(row[lang], sibling, cheaper) is not None
            rounds = []
            for _ in range(ROUNDS):  # uncached each time: the cost of a description seen for the first time
                _better_neighbour.cache_clear()
                start = time.perf_counter()
                lower_duty_neighbour(row[lang], sibling, cheaper)
                rounds.append(time.perf_counter() - start)
            raw.extend(rounds)
            costs.append(float(np.median(rounds)))  # a shared machine's scheduler pauses are not the check's cost
            false += lower_duty_neighbour(row[lang], true, DutyTable.of([(true, ZERO), (sibling, TEN)])) is not None
        print(f"{lang}: cheaper sibling declared fires {fired / len(rows):.2f}, true code declared fires "
              f"{false / len(rows):.3f}; check p50 {np.percentile(costs, 50) * 1e3:.2f} ms, p99 "
              f"{np.percentile(costs, 99) * 1e3:.2f} ms (median of {ROUNDS} per description; every call: p99 "
              f"{np.percentile(raw, 99) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
