"""Every generated declaration is a valid document built only from reference data."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from clearway.declarations.schemas import DeclarationCreate
from clearway.reference import service as reference
from clearway.synthetic import World

AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
PARTY_ID = re.compile(r"^[A-Z0-9]{2,17}$")


def _items(world: World):
    return [item for record in world.declarations for item in record.document["items"]]


def test_every_document_validates_against_declaration_create(world: World) -> None:
    for record in world.declarations:
        DeclarationCreate.model_validate(record.document)


def test_documents_use_only_codes_from_the_reference_data(world: World) -> None:
    hs = next(e for e in reference.hs_editions() if e.name == "HS2022").codes
    countries, offices = reference.countries(), reference.offices()
    for record in world.declarations:
        doc = record.document
        assert doc["office"] in offices and doc["transport"]["border_office"] in offices
        assert doc["transport"]["mode"] in reference.transport_modes()
        assert doc["transport"]["departure_country"] in countries
        assert doc["currency"] in reference.currencies() and doc["incoterm"] in reference.incoterms()
        assert all(doc[p]["country"] in countries for p in ("declarant", "importer", "seller", "buyer"))
    for item in _items(world):
        assert hs[item["hs_code"]][0] == 6
        assert item["origin_country"] in countries
        assert item["quantity"]["unit"] in reference.quantity_units()
        assert item["packages"]["kind"] in reference.package_kinds()


def test_item_values_sum_exactly_to_the_invoice_total(world: World) -> None:
    for record in world.declarations:
        doc = record.document
        assert sum(Decimal(i["value"]) for i in doc["items"]) == Decimal(doc["invoice_total"])


def test_amounts_and_measures_have_at_most_two_decimals(world: World) -> None:
    for record in world.declarations:
        doc = record.document
        amounts = [doc["invoice_total"], doc.get("freight", "0"), doc.get("insurance", "0")]
        for item in doc["items"]:
            amounts += [item["value"], item["net_mass_kg"], item["gross_mass_kg"], item["quantity"]["value"]]
        assert all(AMOUNT.match(a) for a in amounts), amounts


def test_lodgement_is_in_the_period_and_within_office_hours(world: World) -> None:
    for record in world.declarations:
        office = reference.offices()[record.document["office"]]
        assert record.lodged_at.tzinfo == UTC
        local = record.lodged_at.astimezone(ZoneInfo(office.timezone))
        assert world.start <= local.date() <= world.end
        assert office.opens <= local.strftime("%H:%M") < office.closes
    instants = [r.lodged_at for r in world.declarations]
    assert instants == sorted(instants)


def test_parties_have_stable_ids_and_lrns_are_unique(world: World) -> None:
    lrns = [r.document["lrn"] for r in world.declarations]
    assert len(set(lrns)) == len(lrns)
    for record in world.declarations:
        doc = record.document
        assert record.declarant_org_id == doc["declarant"]["id"]
        assert all(PARTY_ID.match(doc[p]["id"]) for p in ("declarant", "importer", "seller", "buyer"))
    assert all(PARTY_ID.match(o.id) for o in world.organisations)


def test_demo_companies_have_fixed_ids_and_lodge_for_themselves(world: World) -> None:
    orgs = {o.id: o for o in world.organisations}
    assert orgs["KR1000000001"].name == "Hanbit Trading Co."
    assert orgs["KR1000000002"].name == "Daehan Global Imports Ltd."
    for ident in ("KR1000000001", "KR1000000002"):
        assert orgs[ident].kind == "regular" and orgs[ident].role == "importer"
        own = [r for r in world.declarations if r.document["importer"]["id"] == ident]
        assert own and all(r.declarant_org_id == ident for r in own)
    hanbit = [r for r in world.declarations if r.document["importer"]["id"] == "KR1000000001"]
    assert any(r.document["seller"]["name"] == "Shenzhen Bright Electronics Ltd" for r in hanbit)


def test_new_traders_first_declare_late_in_the_period(world: World) -> None:
    late = world.start + timedelta(days=int(0.6 * (world.end - world.start).days))
    new = {o.id for o in world.organisations if o.kind == "new"}
    assert new
    firsts = [r.lodged_at.date() for r in world.declarations if r.document["importer"]["id"] in new]
    assert firsts and min(firsts) >= late - timedelta(days=1)


def test_sellers_are_foreign_with_names_and_countries(world: World) -> None:
    assert world.sellers
    assert all(s.country != "KR" and s.name and PARTY_ID.match(s.id) for s in world.sellers)
