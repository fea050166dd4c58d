"""The legal notes a proposed code depends on, as far as the shipped HS 2022 data says.

The shipped nomenclature (UN Comtrade's HS 2022 texts) carries the section, chapter, heading and subheading
texts but not the texts of the section, chapter and subheading notes. What it does carry are the official
texts' own citations of a note ("as specified in Subheading Note 2 to this chapter", "note 11 (C) to this
Chapter"): where a code's scope is defined by a note, the note is named with the words that cite it, and the
section the code falls in is given with its title. No note text is written here: none is shipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from clearway.reference.service import hs_sections

# "Subheading Note 2 to this Chapter", "subheading notes 1 & 2 to this chapter", "note 11 (C) to this Chapter",
# "Subheading Note 1 in this Chapter": the shapes the HS 2022 texts use (42 lines cite a note).
_CITATION = re.compile(
    r"(?:(?:as\s+)?(?:specified|described|named)\s+in\s+|of\s+|as\s+in\s+)?"
    r"(?P<sub>subheading\s+)?notes?\s+(?P<numbers>\d+(?:\s*\([A-Za-z]\))?(?:\s*(?:&|and|,)\s*\d+)*)"
    r"\s+(?:to|in)\s+this\s+chapter",
    re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\s*\([A-Za-z]\))?")


@dataclass(frozen=True)
class NoteCitation:
    """A legal note that an official text cites: its kind, number and chapter, and the words that cite it."""

    kind: str  # "chapter" (a note to the chapter) | "subheading" (a subheading note of the chapter)
    number: str  # "2", "11(C)"
    chapter: str  # two digits
    cited_by: str  # the heading or subheading whose official text cites the note
    citation: str  # the cited words as the official text has them


def citations(code: str, description: str) -> list[NoteCitation]:
    """The notes an official text of `code` cites (one entry per note number), in the order of the text."""
    out = []
    for found in _CITATION.finditer(description):
        kind = "subheading" if found.group("sub") else "chapter"
        for number in _NUMBER.findall(found.group("numbers")):
            out.append(NoteCitation(kind, re.sub(r"\s+", "", number).upper(), code[:2], code, found.group(0)))
    return out


@lru_cache(maxsize=8192)
def code_notes(code: str, texts: tuple[tuple[str, str], ...]) -> tuple[NoteCitation, ...]:
    """The notes cited by a subheading's own text and its heading's text (each note once, heading first)."""
    seen: dict[tuple[str, str, str], NoteCitation] = {}
    for cited_by, description in texts:
        for note in citations(cited_by, description):
            seen.setdefault((note.kind, note.number, note.chapter), note)
    return tuple(seen.values())


def notes_for(hs6: str, hs_text: dict[str, str]) -> tuple[NoteCitation, ...]:
    """The notes a proposed HS6 code depends on according to the official texts of the code and its heading."""
    texts = tuple((c, hs_text[c]) for c in (hs6[:4], hs6) if c in hs_text)
    return code_notes(hs6, texts)


def section_of(code: str) -> tuple[str, str]:
    """The section numeral and title a code falls in ('' and '' when the code is unknown)."""
    sections, by_code = hs_sections()
    numeral = by_code.get(code) or by_code.get(code[:4]) or by_code.get(code[:2])
    return (numeral, sections[numeral].title) if numeral in sections else ("", "")
