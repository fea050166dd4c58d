"""An EU H1 import declaration, given by its UCC data elements, is expressed in full and maps back (issue 12)."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from clearway.declarations.schemas import DeclarationCreate
from clearway.declarations.wco import from_ucc, to_ucc
from tests.factories import auth

ADDRESS = {"street": "Teheran-ro 152", "postcode": "06236", "city": "Seoul", "country": "KR"}
H1 = {
    "1/1": "IM",
    "1/10": "4000",
    "1/11": ["F48"],
    "2/1": [{"category": "Z", "type": "355", "reference": "26KR0101ENS0000001"}],
    "2/3": [{"type": "N935", "reference": "INV-2026-118"}, {"type": "N954", "reference": "EUR1-CN-99812"}],
    "2/5": "H1-2026-0001",
    "3/1": {"name": "Shenzhen Bright Electronics Ltd", "street": "Keyuan Road 8", "postcode": "518057",
            "city": "Shenzhen", "country": "CN"},
    "3/15": {"name": "Hanbit Trading Co.", **ADDRESS},
    "3/16": "KR1000000001",
    "3/17": {"name": "Hanbit Trading Co.", **ADDRESS},
    "3/18": "KR1000000001",
    "3/19": {"name": "Seoul Customs Brokers", "street": "Sejong-daero 1", "postcode": "04519", "city": "Seoul",
             "country": "KR"},
    "3/20": "KR9000000009",
    "3/21": "2",
    "3/24": {"name": "Shenzhen Bright Electronics Ltd", "country": "CN", "city": "Shenzhen"},
    "3/26": {"name": "Hanbit Trading Co.", **ADDRESS},
    "3/27": "KR1000000001",
    "4/1": {"incoterm": "FOB", "place": "CNSZX"},
    "4/10": "USD",
    "4/11": "12500.00",
    "5/14": "CN",
    "5/23": {"country": "KR", "type": "A", "qualifier": "U", "identification": "KRICN"},
    "5/24": "KR0101",
    "5/26": "KR0101",
    "7/4": "1",
    "7/10": ["MSCU1234565", "MSCU7654321"],
    "7/14": "IMO9321483",
    "7/15": "PA",
    "items": [{"6/14": "851713", "6/8": "Smartphones, 128 GB, model X1", "5/16": "CN", "6/1": "42.5",
               "6/5": "51", "6/2": "250", "6/2-unit": "NAR", "6/10": 25, "6/9": "CT", "4/14": "12500.00",
               "4/16": "1"}],
}


def test_an_h1_declaration_maps_into_the_schema_and_back_unchanged():
    doc = DeclarationCreate.model_validate(from_ucc(H1))
    assert doc.procedure is not None and (doc.procedure.requested, doc.procedure.previous) == ("40", "00")
    assert doc.representative is not None and doc.representative.status == "2"
    assert doc.importer is not None and doc.importer.postcode == "06236" and doc.importer.city == "Seoul"
    assert doc.goods_location is not None and doc.goods_location.identification == "KRICN"
    assert doc.transport.nationality == "PA" and doc.containers == ["MSCU1234565", "MSCU7654321"]
    assert doc.delivery_place == "CNSZX" and doc.items[0].valuation_method == "1"
    assert [d.type for d in doc.documents or []] == ["N935", "N954"]
    assert to_ucc(doc.model_dump(mode="json", exclude_none=True)) == H1


def test_the_api_stores_every_element_and_gives_it_back(client):
    headers = auth(client, "trader-a")
    r = client.post("/api/v1/declarations", json=from_ucc(H1), headers=headers)
    assert r.status_code == 201, r.text
    stored = client.get(r.headers["Location"], headers=headers).json()["document"]
    assert to_ucc(stored) == H1


@pytest.mark.parametrize("element, value", [
    ("1/10", "4X00"), ("3/21", "1"), ("7/10", ["MSC1234565"]), ("7/15", "PAN"),
    ("5/23", {"country": "KR", "type": "Q", "qualifier": "U", "identification": "KRICN"}),
])
def test_malformed_elements_are_refused(element, value):
    bad = copy.deepcopy(H1)
    bad[element] = value
    with pytest.raises(ValidationError):
        DeclarationCreate.model_validate(from_ucc(bad))


def test_the_schema_names_the_data_elements():
    schema = DeclarationCreate.model_json_schema()
    text = str(schema)
    for element in ("1/10", "1/11", "2/1", "2/3", "3/19", "3/21", "4/1", "4/16", "5/23", "7/10", "7/15"):
        assert f"EU UCC {element}" in text, element
