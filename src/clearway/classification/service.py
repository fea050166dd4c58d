"""Classification answers: ranked suggestions with official texts and national lines, warnings on a declared code.

Reads only: the model, the HS 2022 reference texts and the national schedule in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.classification import notes, text
from clearway.classification import suggest as ranking
from clearway.classification.bundle import model_current
from clearway.classification.neighbours import DutyTable
from clearway.classification.schemas import (
    LegalNoteRead,
    LineRead,
    RulingRead,
    SuggestionRead,
    SuggestResponse,
    WarningRead,
)
from clearway.classification.selectors import description_mismatch
from clearway.i18n import translate
from clearway.tariff import service as tariff
from clearway.tariff.rulings import rulings_issued
from clearway.tariff.snapshot import Schedule

MAX_LINES = 8
MAX_RULINGS = 5
RULING_SIMILARITY = 0.5  # token-set similarity of the folded texts below which a ruling is not "similar"


@dataclass(frozen=True)
class Neighbour:
    """The best-suggested code has a higher duty than the declared one within the same chapter."""

    declared_duty: Decimal
    suggested_duty: Decimal


def _schedule(db: Session) -> Schedule | None:
    current = tariff.schedule_version_current(db=db)
    return tariff.schedule_snapshot(db=db, version_id=current.id) if current else None


def _lines(schedule: Schedule | None, hs6: str, on: date) -> list[LineRead]:
    if schedule is None:
        return []
    codes = schedule.by_prefix.get(hs6, ()) or ((hs6,) if hs6 in schedule.lines else ())
    out = []
    for code in codes[:MAX_LINES]:
        line = schedule.lines[code]
        duty = line.at(on).duty
        out.append(LineRead(code=code, description=line.description, duty=duty.describe() if duty else None))
    return out


def _duty_pct(schedule: Schedule | None, code: str, on: date) -> Decimal | None:
    """Ad valorem duty of a code (its line, else the first line under it); None when unknown."""
    if schedule is None:
        return None
    line, candidates = schedule.find(code)
    if line is None and candidates:
        line = schedule.lines[candidates[0]]
    duty = line.at(on).duty if line else None
    return duty.pct if duty is not None and duty.basis == "ad_valorem" else None


def duty_table_load(*, db: Session, on: date) -> DutyTable:
    """Ad valorem duty of every national line in force on a date (the lower-duty-neighbour atom's table)."""
    schedule = _schedule(db)
    if schedule is None:
        return DutyTable.of(())
    rates = []
    for code, line in schedule.lines.items():
        duty = line.at(on).duty
        if duty is not None and duty.basis == "ad_valorem" and duty.pct is not None:
            rates.append((code, duty.pct))
    return DutyTable.of(rates)


def similar_rulings(*, db: Session, actor: Principal, description: str, headings: set[str]) -> list[RulingRead]:
    """Issued rulings whose goods read like the description (or share a proposed heading), most similar first."""
    wanted = " ".join(text.words(description))
    found = []
    for ruling in rulings_issued(db=db):
        if not ruling.hs_code or not (actor.is_customs or ruling.holder_id == actor.organisation_code):
            continue  # a trader sees only the rulings it holds
        score = fuzz.token_set_ratio(wanted, " ".join(text.words(ruling.goods_description))) / 100
        if ruling.hs_code[:4] in headings:
            score = min(1.0, score + 0.2)
        if score >= RULING_SIMILARITY:
            found.append(RulingRead(reference=ruling.reference, goods_description=ruling.goods_description,
                                    hs_code=ruling.hs_code, similarity=round(score, 3)))
    return sorted(found, key=lambda r: -r.similarity)[:MAX_RULINGS]


def legal_notes(hs6: str, hs_text: dict[str, str], locale: str) -> list[LegalNoteRead]:
    """The legal notes the official texts of a code and its heading cite, named in the caller's language."""
    return [LegalNoteRead(kind=n.kind, number=n.number, chapter=n.chapter, cited_by=n.cited_by, citation=n.citation,
                          label=translate(f"classification.note.{n.kind}", locale, number=n.number,
                                          chapter=n.chapter))
            for n in notes.notes_for(hs6, hs_text)]


def classification_suggest(*, db: Session, actor: Principal, description: str, limit: int, hs_code: str | None,
                           on: date, locale: str) -> SuggestResponse:
    """Ranked HS6 codes for a description, with national lines, and warnings about the declared code."""
    model = model_current()
    schedule = _schedule(db)
    found = ranking.suggest(model, description, k=limit)
    suggestions = []
    for c in found:
        heading = c.hs6[:4]
        section, section_title = notes.section_of(c.hs6)
        suggestions.append(SuggestionRead(
            hs6=c.hs6, description=model.hs_text.get(c.hs6, ""), heading=heading,
            heading_description=model.hs_text.get(heading, ""), chapter_description=model.hs_text.get(c.hs6[:2], ""),
            section=section, section_title=section_title, legal_notes=legal_notes(c.hs6, model.hs_text, locale),
            confidence=round(min(1.0, max(0.0, c.confidence)), 4), score=round(c.score, 4),
            matched_terms=list(c.matched), nearest=list(c.nearest), lines=_lines(schedule, c.hs6, on)))
    warnings = []
    if hs_code:
        digits = hs_code.replace(".", "")
        signal = description_mismatch(description, digits)
        if signal.far:
            warnings.append(WarningRead(
                code="classification.far", distance=signal.distance, declared_rank=signal.declared_rank,
                best_hs6=signal.best_hs6,
                message=translate("classification.far", locale, code=digits, best=signal.best_hs6 or "")))
        top = found[0].hs6 if found else None
        if top and top[:2] == digits[:2] and top != digits[:6]:
            declared, suggested = _duty_pct(schedule, digits, on), _duty_pct(schedule, top, on)
            if declared is not None and suggested is not None and declared < suggested:
                warnings.append(WarningRead(
                    code="classification.lower_duty", distance=signal.distance, declared_rank=signal.declared_rank,
                    best_hs6=top, message=translate("classification.lower_duty", locale, code=digits, best=top,
                                                    declared=f"{declared.normalize():f}%",
                                                    suggested=f"{suggested.normalize():f}%")))
    rulings = similar_rulings(db=db, actor=actor, description=description, headings={c.hs6[:4] for c in found})
    return SuggestResponse(model_version=model.version, suggestions=suggestions, warnings=warnings, rulings=rulings)
