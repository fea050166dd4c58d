"""Which agencies an item concerns: HS prefixes, origins, regimes, end uses, tariff restrictions. Pure."""

from __future__ import annotations

import json

from clearway.agencies.matching import digest_of, matches_of, visible_data
from clearway.agencies.profiles import SHIPPED, AgencyProfile, profiles_read

PROFILES = profiles_read(SHIPPED)
DRONE = {"hs_code": "880622", "description": "Drone", "origin_country": "KR", "quantity": {"value": "2", "unit": "NAR"},
         "value": "9000", "net_mass_kg": "4"}


def _agencies(document, restrictions=None):
    return [(m.agency, m.item, m.basis, m.refer, m.lpco) for m in matches_of(PROFILES, document, restrictions or {})]


def test_a_dual_use_export_needs_the_licence_only_for_a_military_end_use():
    assert _agencies({"type": "EX", "items": [DRONE]}) == []
    assert _agencies({"type": "EX", "items": [{**DRONE, "end_use": "military"}]}) == [
        ("KNPA", 0, "competence", True, "KNPA-DUAL")]
    assert _agencies({"type": "IM", "items": [{**DRONE, "end_use": "military"}]}) == []  # exports only


def test_a_tariff_restriction_refers_even_outside_the_profiles_competence():
    item = {**DRONE, "hs_code": "071290"}
    assert _agencies({"type": "IM", "items": [item]}) == []
    assert _agencies({"type": "IM", "items": [item]}, {0: frozenset({"APQA"})}) == [
        ("APQA", 0, "restriction", True, None)]


def test_an_origin_narrowed_competence_ignores_other_origins():
    data = json.loads((SHIPPED / "apqa.json").read_text())
    data["competence"][0]["origins"] = ["US"]
    profile = AgencyProfile.model_validate(data)
    oranges = {**DRONE, "hs_code": "080510"}
    assert matches_of([profile], {"type": "IM", "items": [{**oranges, "origin_country": "ES"}]}, {}) == []
    assert len(matches_of([profile], {"type": "IM", "items": [{**oranges, "origin_country": "US"}]}, {})) == 1


def test_an_agency_sees_only_its_fields_and_its_fingerprint_ignores_the_rest():
    rra = next(p for p in PROFILES if p.code == "RRA")
    doc = {"type": "IM", "office": "KR0101", "importer": {"id": "KR1"}, "seller": {"name": "S"},
           "transport": {"mode": "4"}, "items": [DRONE]}
    seen = visible_data(rra, doc, 0)
    assert set(seen) == {"type", "office", "item", "importer"}
    assert set(seen["item"]) == {"hs_code", "description", "origin_country", "quantity"}
    moved = {**doc, "transport": {"mode": "1"}, "items": [{**DRONE, "value": "1"}]}
    assert digest_of(visible_data(rra, moved, 0)) == digest_of(seen)
