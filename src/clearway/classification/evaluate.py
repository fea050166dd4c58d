"""A version's figures, computed when it is fitted so that versions can be compared before one is promoted.

The shipped trader-style examples (English, Spanish, French) are ranked by the fitted model with the examples
themselves left out: what remains is the nomenclature, the glossary, the trade prior and what the administration
taught it (released declarations, rulings), so a version that learned more scores higher on goods it was not
shown. The benchmark's evaluation set is never read here (training must not see it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from clearway.classification.model import Model, model_without
from clearway.classification.suggest import suggest

HELD_OUT = "example"


def _rates(hits: np.ndarray, n: int) -> dict[str, Any]:
    top1, top5, hs4 = (round(float(x) / n, 4) if n else None for x in hits)
    return {"n": n, "hs6_top1": top1, "hs6_top5": top5, "hs4_top1": hs4}


def model_metrics(model: Model) -> dict[str, Any]:
    """Top-1 and top-5 at HS6 and top-1 at HS4 on the shipped examples left out, overall and per language."""
    rows = [i for i, d in enumerate(model.documents) if d.kind == HELD_OUT]
    if not rows:
        return {}
    without = model_without(model, HELD_OUT)
    hits: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(3))
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        document = model.documents[row]
        # The example's own vector is the embedding of its text: no need to embed it again.
        top = [c.hs6 for c in suggest(without, document.text, k=5, vector=model.vectors[row])]
        flags = np.array([document.hs6 in top[:1], document.hs6 in top, document.hs6[:4] in [c[:4] for c in top[:1]]])
        for key in ("all", document.lang):
            hits[key] += flags
            counts[key] += 1
    return {"held_out": "examples", **_rates(hits["all"], counts["all"]),
            "by_lang": {lang: _rates(hits[lang], counts[lang]) for lang in sorted(counts) if lang != "all"}}
