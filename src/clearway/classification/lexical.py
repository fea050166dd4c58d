"""A TF-IDF index over documents (sublinear term frequency, L2 rows) in plain numpy/scipy, saved as arrays."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

MIN_DF = 1


@dataclass(frozen=True)
class Index:
    """Features, their inverse document frequencies and the documents' normalised rows."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    matrix: sparse.csr_matrix  # documents x features

    @classmethod
    def fit(cls, documents: Sequence[Sequence[str]]) -> Index:
        """Learn features and weights from tokenised documents."""
        # Counted once per document, then weighted with whole-array operations: the per-feature Python loop this
        # replaces was most of a build once embeddings are reused (about 5 s for the character n-grams alone).
        counted = [Counter(doc) for doc in documents]
        df: Counter[str] = Counter()
        for counts in counted:
            df.update(counts.keys())
        vocabulary = {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= MIN_DF))}
        n = len(documents)
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocabulary], dtype=np.float32)
        total = sum(len(c) for c in counted)
        rows = np.repeat(np.arange(n, dtype=np.int64), [len(c) for c in counted])
        cols = np.fromiter((vocabulary.get(f, -1) for c in counted for f in c), dtype=np.int64, count=total)
        tf = np.fromiter((k for c in counted for k in c.values()), dtype=np.float64, count=total)
        kept = cols >= 0  # features under MIN_DF are dropped
        rows, cols, tf = rows[kept], cols[kept], tf[kept]
        vals = (1.0 + np.log(tf)).astype(np.float32) * idf[cols]
        matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocabulary)))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix = sparse.csr_matrix(sparse.diags(1.0 / norms).dot(matrix), dtype=np.float32)
        return cls(vocabulary, idf, matrix)

    def vector(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The query's feature columns and normalised weights (unknown features dropped)."""
        counts = Counter(t for t in tokens if t in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        cols = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.int64, count=len(counts))
        vals = np.array([1.0 + math.log(c) for c in counts.values()], dtype=np.float32) * self.idf[cols]
        return cols, vals / np.float32(np.linalg.norm(vals))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Cosine of the query with every document."""
        cols, vals = self.vector(tokens)
        if cols.size == 0:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        return np.asarray(self.matrix_csc[:, cols] @ vals).ravel()

    def scores_of(self, tokens: Sequence[str], rows: np.ndarray) -> np.ndarray:
        """Cosine of the query with some documents only (the mismatch path: a code's own documents)."""
        cols, vals = self.vector(tokens)
        if cols.size == 0 or rows.size == 0:
            return np.zeros(rows.size, dtype=np.float32)
        return np.asarray(self.matrix[rows][:, cols] @ vals).ravel()

    @property
    def matrix_csc(self) -> sparse.csc_matrix:
        """Column-major copy, made once: a query touches few columns."""
        cached = self.__dict__.get("_csc")
        if cached is None:
            cached = self.matrix.tocsc()
            object.__setattr__(self, "_csc", cached)
        return cached

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The index as named arrays for an .npz file (half-precision weights and 16-bit columns when they fit:
        the shipped bundle stays small, and rankings do not move at that precision)."""
        m = self.matrix
        indices = m.indices.astype(np.uint16) if m.shape[1] <= np.iinfo(np.uint16).max else m.indices
        return {f"{prefix}_data": m.data.astype(np.float16), f"{prefix}_indices": indices,
                f"{prefix}_indptr": m.indptr, f"{prefix}_shape": np.array(m.shape), f"{prefix}_idf": self.idf}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str, features: list[str]) -> Index:
        """Rebuild an index saved by `arrays`."""
        shape = tuple(int(x) for x in arrays[f"{prefix}_shape"])
        data = arrays[f"{prefix}_data"].astype(np.float32)
        indices = arrays[f"{prefix}_indices"].astype(np.int32)
        matrix = sparse.csr_matrix((data, indices, arrays[f"{prefix}_indptr"]), shape=shape)
        return cls({f: i for i, f in enumerate(features)}, arrays[f"{prefix}_idf"], matrix)

    def features(self) -> list[str]:
        """Feature names in column order."""
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)
