"""Synthetic world generator: seeded, reproducible parties, goods and declaration history.

Used by the demo and the tests. `generate_world(end=date(...))` returns a `World` whose
declarations are valid `DeclarationCreate` documents with ground truth (planted frauds, their
revenue impact, selection-biased inspection outcomes).
"""

from clearway.synthetic.records import FRAUD_KINDS, DeclarationRecord, FraudKind, TrueItem, Truth
from clearway.synthetic.world import World, generate_world

__all__ = ["FRAUD_KINDS", "DeclarationRecord", "FraudKind", "TrueItem", "Truth", "World", "generate_world"]
