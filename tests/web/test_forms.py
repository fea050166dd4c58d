"""The declaration form's mapping between field names (JSON pointers), documents and problems."""

from __future__ import annotations

from clearway.errors import Problem
from clearway.web import forms
from tests.factories import document


def test_a_document_survives_the_round_trip_through_the_form():
    doc = document(transport={"mode": "4", "border_office": "KR0101", "arrival": "2026-11-20T17:30:00+09:00"})
    values, count = forms.values_of(doc)
    assert count == 1 and values["/items/0/quantity/unit"] == "NAR"
    assert values["/transport/arrival"] == "2026-11-20T08:30"  # shown in UTC
    again = forms.without_empty_items(forms.document_from_form({**values, "item_count": "1"}))
    assert again["transport"]["arrival"] == "2026-11-20T08:30:00Z"
    assert again["items"][0]["packages"] == {"count": "25", "kind": "CT"}
    assert again["declarant"] == doc["declarant"] and "exporter" not in again


def test_unknown_field_names_and_blank_rows_are_ignored():
    doc = forms.document_from_form({"item_count": "3", "/lrn": " A-1 ", "/items/1/hs_code": "851713",
                                    "/items/7/hs_code": "1", "/evil/deep/path": "x", "/items/0/bogus": "y"})
    assert doc["lrn"] == "A-1" and "evil" not in doc and doc["items"] == [{}, {"hs_code": "851713"}, {}]
    assert forms.without_empty_items(doc)["items"] == [{"hs_code": "851713"}]


def test_problems_sit_at_their_field_or_the_nearest_one_in_page_order():
    problems = [Problem("hs_code.unknown", "/items/0/hs_code", {"value": "999999", "edition": "HS2022", "date": "x"}),
                Problem("party.required", "/importer", {"role": "importer"}),
                Problem("field.required", "/items/0/quantity", {"field": "quantity"}),
                Problem("body.not_object", "", {})]
    placed = forms.errors_placed(problems, "fr", item_count=1)
    assert set(placed.by_field) == {"/items/0/hs_code", "/importer/id", "/items/0/quantity/value", ""}
    assert placed.by_field["/items/0/quantity/value"] == ["Quantité est obligatoire"]
    assert [anchor for anchor, _, _ in placed.summary] == [
        "form-errors", "f-importer-id", "f-items-0-hs_code", "f-items-0-quantity-value"]
    assert placed.summary[1][1] == "Importateur" and placed.summary[2][1] == "Article 1"
