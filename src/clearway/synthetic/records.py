"""What the synthetic world hands out per declaration: the document as lodged and the ground truth.

The truth is what an all-seeing inspector would know: the real code, origin, mass, quantity and
value of each item, the fraud planted (if any) and the duty it evades. Only `inspected` records
expose an outcome (`found_fraud`), as in a real administration where labels are selection-biased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

FraudKind = Literal["undervaluation", "misclassification", "false_origin", "quantity", "prohibited"]
FRAUD_KINDS: tuple[FraudKind, ...] = (
    "undervaluation", "misclassification", "false_origin", "quantity", "prohibited",
)
# Frauds that evade duty; a concealed prohibited good is a safety matter, not a revenue one.
REVENUE_FRAUDS: frozenset[str] = frozenset(FRAUD_KINDS) - {"prohibited"}


@dataclass(frozen=True)
class TrueItem:
    """One goods item as it really is, next to what was declared for it."""

    hs_code: str
    origin_country: str
    net_mass_kg: str
    quantity: str
    value: str  # in the declaration currency
    revenue_impact: str  # KRW: duty due on the truth minus duty on the declaration


@dataclass(frozen=True)
class Truth:
    """Ground truth of a declaration: the fraud planted and what it costs the treasury."""

    fraud_kind: FraudKind | None
    items: tuple[TrueItem, ...]
    revenue_impact: str  # KRW, the sum of the items' impacts
    concealed: str | None = None  # what was hidden, for prohibited goods

    @property
    def fraud(self) -> bool:
        """True when a fraud was planted."""
        return self.fraud_kind is not None


@dataclass(slots=True)
class DeclarationRecord:
    """A declaration of the synthetic history with its lodgement, truth and inspection outcome."""

    document: dict[str, Any]  # DeclarationCreate JSON shape
    lodged_at: datetime  # UTC
    declarant_org_id: str
    truth: Truth
    inspected: bool = False
    random_pick: bool = False  # chosen by the random compliance sample, not by targeting
    found_fraud: bool = False  # the inspection outcome; False when not inspected
