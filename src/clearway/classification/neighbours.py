""""A lower-duty neighbouring code was chosen": the description fits another subheading of the same heading
better, and that subheading carries a higher ad valorem duty than the declared code.

Pure functions over the model and a duty table precomputed from the tariff once per risk snapshot (the
caller builds it, see `service.duty_table_load`): on the lodging path a check is one cached word-only
scoring of the description and two dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np

from clearway.classification.bundle import model_current
from clearway.classification.suggest import MIN_EVIDENCE, _query, document_scores

# The declared subheading's best word evidence must trail the neighbour's by this share: a near tie
# between two subheadings of one heading says nothing about which one the goods are.
MARGIN = 0.15


@dataclass(frozen=True)
class DutyTable:
    """Ad valorem duty (percent) of each national line, and the lowest one under each HS6."""

    lines: dict[str, Decimal]
    hs6: dict[str, Decimal]

    @classmethod
    def of(cls, rates: Iterable[tuple[str, Decimal]]) -> DutyTable:
        """Index (line code, ad valorem percent) pairs."""
        lines: dict[str, Decimal] = {}
        hs6: dict[str, Decimal] = {}
        for code, pct in rates:
            lines[code] = pct
            if len(code) >= 6:
                hs6[code[:6]] = min(pct, hs6.get(code[:6], pct))
        return cls(lines, hs6)

    def rate(self, code: str) -> Decimal | None:
        """The duty of a declared code: its own line, else the lowest under its HS6 (None: unknown)."""
        found = self.lines.get(code)
        return found if found is not None else self.hs6.get(code[:6])


@dataclass(frozen=True)
class LowerDuty:
    """The declared code, its duty, and the better-fitting neighbour with its (higher) duty."""

    declared: str
    declared_duty: Decimal
    neighbour: str
    neighbour_duty: Decimal

    @property
    def gap(self) -> Decimal:
        """Percentage points of duty the declared code saves against the neighbour."""
        return self.neighbour_duty - self.declared_duty


@lru_cache(maxsize=50_000)
def _better_neighbour(version: str, description: str, hs6: str) -> str | None:
    # Keyed by the model version, like the mismatch cache: a retrained model never answers from the old one.
    model = model_current()
    _, tokens, _ = _query(model, description)
    if not tokens:
        return None
    docs = document_scores(model, description, fast=True)
    best = int(np.argmax(docs))
    top = float(docs[best])
    neighbour = model.documents[best].hs6
    if top < MIN_EVIDENCE or neighbour == hs6 or neighbour[:4] != hs6[:4]:
        return None
    own_id = model.code_index.get(hs6)
    own = float(docs[model.doc_code == own_id].max()) if own_id is not None else 0.0
    return neighbour if own < top * (1 - MARGIN) else None


def lower_duty_neighbour(description: str | None, hs_code: str | None, table: DutyTable) -> LowerDuty | None:
    """The higher-duty neighbour the description fits better than the declared code, if there is one."""
    code = "".join(ch for ch in (hs_code or "") if ch.isdigit())
    if not description or len(code) < 6:
        return None
    declared = table.rate(code)
    if declared is None:
        return None
    neighbour = _better_neighbour(model_current().version, description, code[:6])
    if neighbour is None:
        return None
    other = table.hs6.get(neighbour)
    if other is None or other <= declared:
        return None
    return LowerDuty(code, declared, neighbour, other)
