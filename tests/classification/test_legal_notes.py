"""Suggestions name the legal notes a code depends on and its section, from what the shipped HS 2022 data holds
(the texts cite the notes; the note texts themselves are not shipped)."""

from __future__ import annotations

from clearway.classification import notes
from clearway.classification.train import nomenclature
from tests.factories import auth


def _suggest(client, description: str, locale: str = "en") -> dict[str, dict]:
    r = client.post("/api/v1/classification/suggest", json={"description": description, "limit": 5},
                    headers={**auth(client, "trader-a"), "Accept-Language": locale})
    assert r.status_code == 200, r.text
    return {s["hs6"]: s for s in r.json()["suggestions"]}


def test_raw_cane_sugar_is_proposed_with_the_subheading_note_that_defines_it_and_its_section(client):
    found = _suggest(client, "raw cane sugar in solid form, not flavoured")
    sugar = found.get("170113") or found.get("170114")
    assert sugar is not None, sorted(found)
    (note,) = sugar["legal_notes"]
    assert (note["kind"], note["number"], note["chapter"]) == ("subheading", "2", "17")
    assert note["label"] == "Subheading Note 2 to Chapter 17"
    assert note["citation"] in sugar["description"]
    assert sugar["section"] == "IV" and sugar["section_title"].startswith("Prepared foodstuffs")


def test_a_note_cited_by_the_heading_is_named_for_every_subheading_and_in_the_callers_language(client):
    found = _suggest(client, "machines for manufacturing semiconductor wafers", locale="es")
    machines = [s for code, s in found.items() if code.startswith("8486")]
    assert machines, sorted(found)
    assert [(n["kind"], n["number"], n["cited_by"], n["label"]) for n in machines[0]["legal_notes"]] == [
        ("chapter", "11(C)", "8486", "Nota 11(C) del Capítulo 84")]


def test_a_code_whose_texts_cite_no_note_has_none(client):
    found = _suggest(client, "men's cotton t-shirts")
    assert found["610910"]["legal_notes"] == [] and found["610910"]["section"] == "XI"


def test_every_citation_of_a_note_in_the_nomenclature_is_found():
    hs = {c: d for c, (_, _, d) in nomenclature().items()}
    citing = {c for c, d in hs.items()
              if "note" in d.lower() and ("to this chapter" in d.lower() or "in this chapter" in d.lower())}
    assert len(citing) >= 35  # 37 texts of HS 2022 as shipped
    for code in citing:
        assert notes.citations(code, hs[code]), code
    both = notes.notes_for("380891", hs)
    assert [(n.kind, n.number) for n in both] == [("subheading", "1"), ("subheading", "2")]


def test_the_page_shows_the_notes_and_says_their_text_is_not_shipped_in_french(client):
    headers = {**auth(client, "trader-a"), "Accept-Language": "fr"}
    r = client.get("/classification", params={"q": "sucre de canne brut solide"}, headers=headers)
    assert r.status_code == 200
    assert 'id="notes-17011' in r.text and "Note de sous-positions 2 du Chapitre 17" in r.text
    assert "ne font pas partie de la nomenclature fournie" in r.text
