"""Rank HS6 codes for a description, explain each, and measure how far a declared code is from it.

Score of a document = word TF-IDF cosine, character n-gram cosine and embedding cosine, weighted;
a code scores as its best document plus a small trade-frequency prior. Confidence is a softmax
over the leading codes. The mismatch path skips the embedding (it sits in the lodging path).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clearway.classification import embed, text
from clearway.classification.model import Model, word_features

POOL = 50  # codes kept for the softmax and the explanations
MIN_EVIDENCE = 0.12  # a lexical best score below this says the description names nothing we know
FAR = 0.6  # mismatch distance from which the declared code is called far from the description


@dataclass(frozen=True)
class Candidate:
    """One proposed HS6 code with its score, confidence and the evidence for it."""

    hs6: str
    score: float
    confidence: float
    matched: tuple[str, ...]  # query words found in the code's best document
    nearest: tuple[str, ...]  # the known descriptions (examples, learned) that back it
    source: str  # kind of the best document: hs | example | learned


@dataclass(frozen=True)
class Mismatch:
    """How far a declared code is from what its description says (0 = it is the best match)."""

    distance: float | None  # None: the description names nothing the model knows
    declared_rank: int | None  # rank of the declared heading among the description's headings (1 = top)
    best_hs6: str | None
    far: bool


def _query(model: Model, description: str) -> tuple[list[str], list[str], list[str]]:
    base = text.words(description)
    expanded, matched = text.expand(base, model.glossary)
    return base, expanded, matched


def document_scores(model: Model, description: str, *, fast: bool = False,
                    vector: np.ndarray | None = None) -> np.ndarray:
    """Blended score of every document; `fast` keeps the word part only (the lodging path's budget); `vector` is
    the description's embedding when the caller has it already (a version's evaluation of indexed texts)."""
    _, tokens, _ = _query(model, description)
    w = model.weights
    scores = model.words.scores(word_features(tokens))
    if fast:
        return scores
    scores = w.word * scores + w.char * model.chars.scores(text.char_grams(tokens))
    if w.embedding:
        query = vector if vector is not None else embed.encode([description])[0]
        scores = scores + w.embedding * (model.vectors @ query)
    return scores


def code_scores(model: Model, doc_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best score per code (with the prior) and the document that gave it."""
    n = len(model.codes)
    best = np.full(n, -np.inf, dtype=np.float32)
    np.maximum.at(best, model.doc_code, doc_scores)
    winner = np.full(n, -1, dtype=np.int64)
    order = np.argsort(doc_scores)  # ascending: later (higher) documents overwrite
    winner[model.doc_code[order]] = order
    return best + model.weights.prior * model.prior, winner


def suggest(model: Model, description: str, k: int = 5, *, vector: np.ndarray | None = None) -> list[Candidate]:
    """The k most likely HS6 codes for a description, best first (`vector`: its embedding, if already known)."""
    base, tokens, glossed = _query(model, description)
    if not tokens:
        return []
    docs = document_scores(model, description, vector=vector)
    scores, winner = code_scores(model, docs)
    pool = np.argsort(-scores)[:POOL]
    logits = model.weights.temperature * (scores[pool] - scores[pool[0]])
    probs = np.exp(logits) / np.exp(logits).sum()
    wanted = set(tokens)
    out = []
    for rank, cid in enumerate(pool[:k]):
        doc = model.documents[int(winner[cid])]
        doc_words = set(text.words(doc.text)) | set(text.words(model.hs_text.get(doc.hs6[:4], "")))
        matched = tuple(dict.fromkeys([*(b for b in base if b in doc_words or b in glossed),
                                       *(t for t in wanted if t in doc_words)]))[:8]
        nearest = _nearest(model, docs, int(cid))
        out.append(Candidate(model.codes[cid], float(scores[cid]), float(probs[rank]), matched, nearest, doc.kind))
    return out


def _nearest(model: Model, docs: np.ndarray, cid: int, n: int = 2) -> tuple[str, ...]:
    rows = np.flatnonzero(model.doc_code == cid)
    known = [r for r in rows[np.argsort(-docs[rows])] if model.documents[r].kind != "hs"]
    return tuple(model.documents[r].text for r in known[:n])


def mismatch(model: Model, description: str, declared: str) -> Mismatch:
    """Distance between a description and a declared code's heading, from word evidence only (fast)."""
    hs4 = "".join(ch for ch in declared if ch.isdigit())[:4]
    _, tokens, _ = _query(model, description)
    if len(hs4) < 4 or not tokens:
        return Mismatch(None, None, None, False)
    docs = document_scores(model, description, fast=True)
    best_doc = int(np.argmax(docs))
    top = float(docs[best_doc])
    if top < MIN_EVIDENCE:
        return Mismatch(None, None, None, False)
    headings, doc_heading = model.headings
    heading_best = np.zeros(len(headings), dtype=np.float32)
    np.maximum.at(heading_best, doc_heading, docs)
    hid = headings.get(hs4)
    own = float(heading_best[hid]) if hid is not None else 0.0
    distance = max(0.0, min(1.0, 1.0 - own / top))
    # Rank of the declared heading among all headings by their best document (1 = the best).
    rank = int((heading_best > own).sum()) + 1 if hid is not None else None
    best_hs6 = model.documents[best_doc].hs6
    return Mismatch(round(distance, 4), rank, best_hs6, distance >= FAR and (rank is None or rank > 5))
