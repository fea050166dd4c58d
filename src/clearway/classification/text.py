"""Words of a goods description as the lexical index sees them: folded, stemmed, translated, expanded.

Traders write in English, Spanish or French with brand names, sizes and abbreviations; the
nomenclature is English. A shipped glossary maps Spanish and French words and trader terms onto
nomenclature vocabulary; the original word is kept as well, so English is never lost.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

_WORD = re.compile(r"[a-z][a-z\-]*[a-z]|[a-z]")
# English nomenclature filler ("other", "whether or not") carries no goods meaning; then Spanish and
# French function words.
_STOP_WORDS = """
a an and or of the for with without in on to by as at from not nor other than whether its their
such be is are including excluding elsewhere specified included thereof incl etc nes n e s
brand model type pcs pc set qty item goods product products assorted various
de del la las el los y o para con sin en por un una unos unas al lo
le les des du et ou pour avec sans au aux une sur dans
"""
STOP = frozenset(_STOP_WORDS.split())
UNITS = re.compile(r"\b\d+([.,]\d+)?\s*(mm|cm|m|kg|g|mg|l|ml|cl|gb|tb|mb|w|kw|v|kv|hz|mhz|ghz|in|inch|oz|lb|x)?\b")


def fold(text: str) -> str:
    """Lower case without accents, so 'algodón' and 'algodon' are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """A light plural folding shared by the three languages (shirts, camisetas, chemises -> singular)."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "oes")):
        return word[:-2]
    if word.endswith("ss") or word.endswith("us") or word.endswith("is"):
        return word
    if word.endswith(("s", "x")) and not word.endswith("ous"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Stemmed content words of a text, numbers and units dropped, in order."""
    return list(_words(text))


@lru_cache(maxsize=50_000)
def _words(text: str) -> tuple[str, ...]:
    # Cached per text: a build reads each heading's and chapter's text once for every subheading under it.
    cleaned = UNITS.sub(" ", fold(text))
    out = []
    for raw in _WORD.findall(cleaned):
        for part in raw.split("-") if raw.count("-") > 1 else (raw.replace("-", ""), ):
            if part and part not in STOP and len(part) > 1:
                out.append(stem(part))
    return tuple(out)


def expand(tokens: Iterable[str], glossary: Mapping[str, tuple[str, ...]]) -> tuple[list[str], list[str]]:
    """Tokens plus what the glossary maps them (and adjacent pairs) to; also the glossary terms that matched."""
    tokens = list(tokens)
    out = list(tokens)
    matched: list[str] = []
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
    for term in pairs + tokens:
        found = glossary.get(term)
        if found:
            out.extend(found)
            matched.append(term)
    return out, matched


def char_grams(tokens: Iterable[str], low: int = 3, high: int = 5) -> list[str]:
    """Character n-grams inside each word (with boundary marks): misspellings and compounds still meet."""
    grams: list[str] = []
    for token in tokens:
        grams.extend(_token_grams(token, low, high))
    return grams


@lru_cache(maxsize=200_000)
def _token_grams(token: str, low: int, high: int) -> tuple[str, ...]:
    # Cached per word: a build cuts the same few thousand nomenclature words into grams about a million times.
    padded = f" {token} "
    return tuple(padded[i:i + n] for n in range(low, high + 1) for i in range(max(1, len(padded) - n + 1)))
