"""Classification quality and speed: the shipped model against a plain TF-IDF baseline, in one run.

Evaluation set: benchmarks/data/classification_valid.csv, trader-style descriptions of goods across
all sections in English, Spanish and French with their HS6 codes, written by hand apart from the
model (it is never read by training). Baseline: word TF-IDF over the bare HS6 nomenclature text.

    .venv/bin/python benchmarks/classification.py [--build] [--build-only] [--sections]
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from clearway.classification import text
from clearway.classification.bundle import model_current, reusable_models
from clearway.classification.lexical import Index
from clearway.classification.model import Model, Weights, model_load, model_without
from clearway.classification.suggest import mismatch, suggest
from clearway.classification.train import Learned, examples_load, model_train, nomenclature

VALID = Path(__file__).parent / "data" / "classification_valid.csv"
LANGS = ("en", "es", "fr")


def load() -> list[dict[str, str]]:
    """The evaluation rows (hs6, en, es, fr)."""
    return list(csv.DictReader(VALID.read_text("utf-8").splitlines(), delimiter="|"))


class Baseline:
    """Word TF-IDF over the HS6 nomenclature text alone: no glossary, no embedding, no prior."""

    def __init__(self) -> None:
        hs = nomenclature()
        self.codes = sorted(c for c, (level, _, _) in hs.items() if level == 6)
        self.index = Index.fit([text.words(hs[c][2]) for c in self.codes])

    def top(self, description: str, k: int = 5) -> list[str]:
        """The k best codes."""
        scores = self.index.scores(text.words(description))
        return [self.codes[i] for i in np.argsort(-scores)[:k]]


def evaluate(rank: object, rows: list[dict[str, str]], lang: str) -> dict[str, object]:
    """top-1/top-5 at HS6 and HS4, overall and per section."""
    section_of = _sections()
    hits = defaultdict(lambda: np.zeros(5))
    for row in rows:
        truth = row["hs6"]
        top = rank(row[lang])  # type: ignore[operator]
        flags = [truth in top[:1], truth in top[:5], truth[:4] in [c[:4] for c in top[:1]],
                 truth[:4] in [c[:4] for c in top[:5]], 1]
        for key in ("all", section_of.get(truth, "?")):
            hits[key] += np.array(flags, dtype=float)
    return {k: v[:4] / v[4] for k, v in hits.items()} | {"n": {k: int(v[4]) for k, v in hits.items()}}


def _sections() -> dict[str, str]:
    """HS6 -> section, from the shipped reference file."""
    ref = Path(__file__).parents[1] / "src/clearway/reference/data/hs2022.csv"
    rows = csv.DictReader(ref.read_text("utf-8-sig").splitlines())
    return {r["code"]: r["section"] for r in rows if r["level"] == "6"}


def p99_ms(fn: object, inputs: list[str]) -> tuple[float, float]:
    """Median and p99 latency in ms (after one warm-up call per input)."""
    for x in inputs[:5]:
        fn(x)  # type: ignore[operator]
    times = []
    for x in inputs:
        t = time.perf_counter()
        fn(x)  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times)), float(np.percentile(times, 99))


def mismatch_quality(model: Model, rows: list[dict[str, str]]) -> None:
    """How often the signal fires on the true code, on a code of another chapter, and on a sibling heading."""
    rng = np.random.default_rng(7)
    codes = sorted({r["hs6"] for r in rows})
    siblings = {c: [h for h in model.codes if h[:2] == c[:2] and h[:4] != c[:4]] for c in codes}
    for lang in LANGS:
        fired = np.zeros(3)
        for r in rows:
            other = next(c for c in rng.permutation(codes) if c[:2] != r["hs6"][:2])
            near = siblings[r["hs6"]]
            tests = [r["hs6"], str(other), str(rng.choice(near)) if near else r["hs6"]]
            fired += [mismatch(model, r[lang], code).far for code in tests]
        t, o, s = fired / len(rows)
        print(f"mismatch 'far' rate, {lang}: true code {t:.3f}, other chapter {o:.3f}, "
              f"other heading of the same chapter {s:.3f}")


def build_timings(rows: list[dict[str, str]], new_texts: int = 300) -> None:
    """A cold build (every text embedded, as every build did before the cache) against a retrain that reuses the
    bundles at hand, each with `new_texts` descriptions no bundle has seen, written and loaded; then the
    accuracy of both bundles on the evaluation set (it must not move)."""
    # New learned descriptions for the timing: the shipped examples reworded by a lot suffix (never the evaluation
    # set, which training must not read), so that their texts hash differently from anything embedded before.
    learned = [Learned(e.hs6, f"{e.text}, lot {i}", "declaration", e.lang)
               for i, e in enumerate(examples_load()[:new_texts])]
    built = {}
    for name, reuse in (("cold", ()), ("reuse", reusable_models())):
        t = time.perf_counter()
        fitted = model_train(learned=learned, reuse=reuse)
        directory = Path(tempfile.mkdtemp(prefix=f"clf-{name}-"))
        fitted.save(directory)
        elapsed = time.perf_counter() - t
        built[name] = model_load(directory)
        print(f"build {name:5}: {elapsed:6.1f} s, {len(fitted.documents)} documents, "
              f"{fitted.trained['embedded']} texts embedded, {fitted.trained['reused']} reused "
              f"(load {os.getloadavg()[0]:.1f})")
    for name, fitted in built.items():
        res = evaluate(lambda d, m=fitted: [c.hs6 for c in suggest(m, d)], rows, "en")["all"]
        print(f"build {name:5}: en HS6@5 {res[1]:.3f}, HS4@1 {res[2]:.3f}")  # type: ignore[index]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true", help="also time a full index build")
    parser.add_argument("--build-only", action="store_true", help="only the build timings (cold against reuse)")
    parser.add_argument("--sections", action="store_true", help="print per-section figures")
    args = parser.parse_args()
    rows = load()
    if args.build_only:
        build_timings(rows)
        return
    model = model_current()
    baseline = Baseline()
    print(f"model {model.version}, {len(model.codes)} HS6 codes, {len(model.documents)} documents; "
          f"evaluation set: {len(rows)} goods x {len(LANGS)} languages")
    print(f"{'':18}{'lang':>5}{'HS6@1':>8}{'HS6@5':>8}{'HS4@1':>8}{'HS4@5':>8}")
    results = {}

    def ranker(m: Model) -> object:
        return lambda d: [c.hs6 for c in suggest(m, d)]

    # Ablations: the shipped examples were written by the author of the evaluation set (same goods,
    # other words), so "no examples" is the figure for goods the model has no example of.
    no_examples = model_without(model, "example")
    no_embedding = Model(**{**no_examples.__dict__, "weights": Weights(embedding=0.0)})
    no_glossary = Model(**{**no_examples.__dict__, "glossary": {}})
    variants = (("baseline tf-idf", baseline.top), ("clearway", ranker(model)),
                ("- examples", ranker(no_examples)), ("- examples-embed", ranker(no_embedding)),
                ("- examples-glossary", ranker(no_glossary)))
    for name, rank in variants:
        for lang in LANGS:
            res = evaluate(rank, rows, lang)
            results[(name, lang)] = res
            a = res["all"]
            print(f"{name:18}{lang:>5}{a[0]:8.3f}{a[1]:8.3f}{a[2]:8.3f}{a[3]:8.3f}")  # type: ignore[index]
    if args.sections:
        print("\nper section (clearway, en: HS6@5 / HS4@1; n)")
        res = results[("clearway", "en")]
        for sec, v in sorted((k, v) for k, v in res.items() if k not in ("all", "n")):
            print(f"  {sec:>6} {v[1]:.2f} / {v[2]:.2f}  n={res['n'][sec]}")  # type: ignore[index]
    descriptions = [r[lang] for r in rows for lang in LANGS]
    med, p99 = p99_ms(lambda d: suggest(model, d), descriptions)
    bmed, bp99 = p99_ms(baseline.top, descriptions)
    print(f"\nsuggest latency: median {med:.2f} ms, p99 {p99:.2f} ms (baseline median {bmed:.2f}, p99 {bp99:.2f})")
    pairs = [(r["en"], r["hs6"]) for r in rows]
    med, p99 = p99_ms(lambda p: mismatch(model, p[0], p[1]), pairs)  # type: ignore[arg-type]
    print(f"mismatch latency: median {med:.2f} ms, p99 {p99:.2f} ms")
    mismatch_quality(model, rows)
    if args.build:
        build_timings(rows)


if __name__ == "__main__":
    main()
