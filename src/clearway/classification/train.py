"""Fit the classifier from the nomenclature, shipped trader descriptions, trade frequencies and what was learned.

Sources: HS 2022 texts (reference data), the glossary of trader, Spanish and French words, the
KCS import declarations' HS6 frequencies (a prior: commonly traded codes first when the text is
ambiguous), shipped example descriptions, and learned pairs (accepted declarations after
controls, issued advance rulings) handed in by the caller.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import numpy as np

from clearway.classification import embed, text
from clearway.classification.evaluate import model_metrics
from clearway.classification.lexical import Index
from clearway.classification.model import Document, Model, Weights, word_features
from clearway.reference import service as reference

HS_EDITION = "HS2022"
EMBED_BATCH = 64


@dataclass(frozen=True)
class Learned:
    """A description known to belong to an HS6 code (a declaration after control, a ruling)."""

    hs6: str
    text: str
    source: str  # "declaration" | "ruling" | "example"
    lang: str = "en"


def _data(name: str) -> str:
    return resources.files("clearway.classification.data").joinpath(name).read_text("utf-8")


def glossary_load() -> dict[str, tuple[str, ...]]:
    """Trader, Spanish and French terms (folded, stemmed) -> nomenclature words."""
    out: dict[str, list[str]] = {}
    for line in _data("glossary.csv").splitlines()[1:]:
        if not line.strip() or line.startswith("#"):
            continue
        term, means = line.split("|", 1)
        key = " ".join(text.words(term))
        if key:
            out.setdefault(key, []).extend(w for w in text.words(means) if w not in out.get(key, []))
    return {k: tuple(v) for k, v in out.items()}


def examples_load() -> list[Learned]:
    """The shipped trader-style descriptions with their codes."""
    rows = csv.DictReader(_data("examples.csv").splitlines(), delimiter="|")
    return [Learned(r["hs6"], r["text"], "example", r.get("lang") or "en") for r in rows]


def prior_load(codes: Sequence[str]) -> np.ndarray:
    """Trade frequency of each code from the KCS declarations, log-scaled to 0..1."""
    counts = {r["hs6"]: int(r["count"]) for r in csv.DictReader(_data("kcs_hs6_counts.csv").splitlines())}
    raw = np.log1p(np.array([counts.get(c, 0) for c in codes], dtype=np.float32))
    return raw / raw.max() if raw.max() > 0 else raw


def nomenclature() -> dict[str, tuple[int, str, str]]:
    """HS 2022 code -> (level, parent, description)."""
    edition = next(e for e in reference.hs_editions() if e.name == HS_EDITION)
    return edition.codes


def nomenclature_tokens(code: str, hs: dict[str, tuple[int, str, str]]) -> list[str]:
    """A subheading's words: its own text twice, its heading and chapter once (context, weaker)."""
    own = text.words(hs[code][2])
    heading = hs.get(code[:4])
    chapter = hs.get(code[:2])
    return own + own + (text.words(heading[2]) if heading else []) + (text.words(chapter[2]) if chapter else [])


def text_key(value: str) -> bytes:
    """The cache key of a text's embedding: its SHA-256 (same text, same vector under one embedding model)."""
    return hashlib.sha256(value.encode("utf-8")).digest()


def embedding_cache(models: Iterable[Model]) -> dict[bytes, np.ndarray]:
    """Vectors already computed by earlier bundles, keyed by text hash. A bundle loads only when its schema
    (which names the embedding model) is the code's, so its vectors are what embedding the text again gives,
    up to the bundle's int8 rounding, which saving a bundle applies anyway."""
    cache: dict[bytes, np.ndarray] = {}
    for model in models:
        for document, vector in zip(model.documents, model.vectors, strict=True):
            cache.setdefault(text_key(document.text), vector)
    return cache


def embed_documents(documents: Sequence[Document], *, cache: dict[bytes, np.ndarray] | None = None,
                    progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, int, int]:
    """Vectors of the documents' texts: cached ones reused, each other distinct text embedded once; also how many
    texts were embedded and how many documents took a cached vector."""
    known = cache if cache is not None else {}
    keys = [text_key(d.text) for d in documents]
    missing = list(dict.fromkeys((k, d.text) for k, d in zip(keys, documents, strict=True) if k not in known))
    fresh: dict[bytes, np.ndarray] = {}
    if progress and not missing:
        progress(0, 0)  # nothing new to embed: the bar says so instead of spinning
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start:start + EMBED_BATCH]
        for (key, _), vector in zip(batch, embed.encode([t for _, t in batch]), strict=True):
            fresh[key] = vector
        if progress:
            progress(start + len(batch), len(missing))
    vectors = np.zeros((len(documents), embed.DIM), dtype=np.float32)
    for row, key in enumerate(keys):
        vectors[row] = fresh[key] if key in fresh else known[key]
    return vectors, len(missing), sum(1 for k in keys if k in known)


def model_train(*, learned: Iterable[Learned] = (), version: str | None = None, codes: Sequence[str] | None = None,
                with_examples: bool = True, weights: Weights | None = None,
                progress: Callable[[int, int], None] | None = None, reuse: Iterable[Model] = (),
                evaluate: bool = True) -> Model:
    """Build a model; `codes` limits the nomenclature (tests), `progress(done, total)` reports embedding, `reuse`
    names earlier bundles whose vectors stand for unchanged texts (only new texts are embedded), `evaluate` adds
    the version's figures (`evaluate.model_metrics`) to what the bundle says about its training."""
    started = time.perf_counter()
    hs = nomenclature()
    glossary = glossary_load()
    six = sorted(c for c, (level, _, _) in hs.items() if level == 6 and (codes is None or c in codes))
    index = {c: i for i, c in enumerate(six)}
    documents = [Document(c, "hs", hs[c][2]) for c in six]
    tokens = [nomenclature_tokens(c, hs) for c in six]
    pairs = [*(examples_load() if with_examples else []), *learned]
    for item in pairs:
        if item.hs6 in index and item.text.strip():
            kind = "example" if item.source == "example" else "learned"
            documents.append(Document(item.hs6, kind, item.text.strip(), item.lang))
            tokens.append(text.expand(text.words(item.text), glossary)[0])
    words = Index.fit([word_features(t) for t in tokens])
    chars = Index.fit([text.char_grams(t) for t in tokens])
    # Embedding is nearly all of a build's time (about 35 of 40 s cold on this machine, profiled), and a retrain's
    # corpus is the nomenclature and examples of the bundle before it plus a few new descriptions.
    vectors, embedded, reused = embed_documents(documents, cache=embedding_cache(reuse), progress=progress)
    hs_text = {c: d for c, (level, _, d) in hs.items() if level in (2, 4) or c in index}
    now = datetime.now(UTC)
    model = Model(
        version=version or now.strftime("clf-%Y%m%d-%H%M%S"),
        documents=documents, codes=six, hs_text=hs_text,
        doc_code=np.array([index[d.hs6] for d in documents], dtype=np.int64),
        words=words, chars=chars, vectors=vectors, prior=prior_load(six), glossary=glossary,
        weights=weights or Weights(),
        trained={"at": now.isoformat(), "codes": len(six), "documents": len(documents),
                 "learned": sum(1 for d in documents if d.kind == "learned"),
                 "examples": sum(1 for d in documents if d.kind == "example"),
                 "embedded": embedded, "reused": reused},
    )
    if evaluate:
        model.trained["metrics"] = model_metrics(model)
    model.trained["seconds"] = round(time.perf_counter() - started, 1)
    return model
