"""The declaration document (WCO Data Model aligned) and its API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.body import Count, Rfc3339

# Money and measures travel as strings so no float ever touches them; the service turns them
# into Decimal after the format check.
DecimalStr = Annotated[str, StringConstraints(pattern=r"^\d{1,15}(\.\d{1,6})?$", max_length=22)]
Code2 = Annotated[str, StringConstraints(min_length=2, max_length=2)]
Code3 = Annotated[str, StringConstraints(min_length=3, max_length=3)]
PartyId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,17}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=512)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=70)]

DeclarationType = Literal["IM", "EX", "TR"]
Channel = Literal["green", "yellow", "red", "blue"]
Status = Literal[
    "lodged", "accepted", "assessed", "channelled", "under_control", "released", "cleared",
    "rejected", "cancelled", "detained",
]


class Strict(BaseModel):
    """Shared configuration: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Party(Strict):
    """A trader in the declaration (WCO: declarant, importer, exporter, seller, buyer)."""

    id: PartyId | None = Field(None, description="Trader identification number (EORI-like)")
    name: ShortText
    country: Code2 = Field(description="ISO 3166-1 alpha-2")
    address: Annotated[str, StringConstraints(max_length=256)] | None = Field(
        None, description="The address as one text (older documents); prefer street, postcode and city")
    street: Annotated[str, StringConstraints(min_length=1, max_length=70)] | None = Field(
        None, description="Street and number (WCO DM Address.Line; EU UCC 3/x 'Street and number')")
    postcode: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 -]{1,17}$")] | None = Field(
        None, description="Postcode (WCO DM Address.PostcodeID; EU UCC 3/x 'Postcode')")
    city: Annotated[str, StringConstraints(min_length=1, max_length=35)] | None = Field(
        None, description="City (WCO DM Address.CityName; EU UCC 3/x 'City')")


class Representative(Party):
    """Who lodges on the declarant's behalf (WCO DM Agent; EU UCC 3/19 Representative, 3/20 its identification
    number, 3/21 its status)."""

    status: Literal["2", "3"] = Field(
        description="EU UCC 3/21 Representative status code: 2 direct representation, 3 indirect representation")


class Procedure(Strict):
    """The customs procedure (WCO DM GovernmentProcedure; EU UCC 1/10 Procedure and 1/11 Additional procedure)."""

    requested: Annotated[str, StringConstraints(pattern=r"^\d{2}$")] = Field(
        description="EU UCC 1/10, first two digits: the requested procedure (40 release for free circulation)")
    previous: Annotated[str, StringConstraints(pattern=r"^\d{2}$")] = Field(
        description="EU UCC 1/10, last two digits: the previous procedure (00 none)")
    additional: list[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3}$")]] | None = Field(
        None, max_length=99, description="EU UCC 1/11 Additional procedure codes (e.g. F48, C07)")


class DocumentRef(Strict):
    """A document referred to (WCO DM PreviousDocument / AdditionalDocument; EU UCC 2/1, 2/3)."""

    category: Literal["X", "Y", "Z"] | None = Field(
        None, description="EU UCC 2/1 previous document category: X summary, Y initial, Z previous document")
    type: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3,4}$")] = Field(
        description="Document type code (EU UCC codelists: 2/1 e.g. 355 entry summary; 2/3 e.g. N935 invoice)")
    reference: Annotated[str, StringConstraints(min_length=1, max_length=70)] = Field(
        description="The document's number or reference")


class GoodsLocation(Strict):
    """Where the goods can be examined (WCO DM GoodsLocation; EU UCC 5/23 Location of goods)."""

    country: Code2 = Field(description="EU UCC 5/23 country code, ISO 3166-1 alpha-2")
    type: Literal["A", "B", "C", "D"] = Field(
        description="EU UCC 5/23 type of location: A designated, B authorised, C approved place, D other")
    qualifier: Literal["T", "U", "V", "W", "X", "Y", "Z"] = Field(
        description="EU UCC 5/23 qualifier of the identification: U UN/LOCODE, V customs office, Y authorisation, "
                    "Z free text (address) ...")
    identification: Annotated[str, StringConstraints(min_length=1, max_length=70)] = Field(
        description="EU UCC 5/23 identification of the location (UN/LOCODE, office, authorisation, address)")


class Transport(Strict):
    """Means and route of transport at the border."""

    mode: Annotated[str, StringConstraints(pattern=r"^[1-9]$")] = Field(
        description="UN/ECE Recommendation 19 code: 1 sea, 2 rail, 3 road, 4 air, 5 post ..."
    )
    border_office: Annotated[str, StringConstraints(min_length=2, max_length=8)]
    means_id: Annotated[str, StringConstraints(max_length=35)] | None = Field(
        None, description="Vessel IMO, flight number or vehicle registration"
    )
    departure_country: Code2 | None = Field(None, description="EU UCC 5/14 Country of dispatch/export")
    nationality: Code2 | None = Field(
        None, description="Nationality of the active means of transport crossing the border (WCO DM "
                          "BorderTransportMeans.RegistrationNationalityCode; EU UCC 7/15), ISO 3166-1 alpha-2")
    arrival: Rfc3339 | None = Field(None, description="Arrival at the border, RFC 3339")
    departure: Rfc3339 | None = Field(None, description="Departure from the border, RFC 3339")


class Quantity(Strict):
    """A supplementary quantity with its UN/ECE Recommendation 20 unit."""

    value: DecimalStr
    unit: Annotated[str, StringConstraints(min_length=2, max_length=3)]


class Packages(Strict):
    """Number and kind (UN/ECE Recommendation 21) of packages."""

    count: Count = Field(ge=0, le=1_000_000)
    kind: Annotated[str, StringConstraints(min_length=2, max_length=2)]


class Item(Strict):
    """One goods item (WCO: GovernmentAgencyGoodsItem)."""

    hs_code: Annotated[str, StringConstraints(pattern=r"^\d{6}(\d{2}){0,2}$")] = Field(
        description="HS6 subheading, optionally extended to a national line of 8 or 10 digits"
    )
    description: Text
    origin_country: Code2
    net_mass_kg: DecimalStr
    gross_mass_kg: DecimalStr | None = None
    quantity: Quantity
    packages: Packages | None = None
    value: DecimalStr = Field(description="Item invoice value in the declaration currency")
    preference: Annotated[str, StringConstraints(max_length=16)] | None = Field(
        None, description="Trade agreement code claimed for a preferential rate"
    )
    origin_proof: Annotated[str, StringConstraints(max_length=64)] | None = None
    end_use: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{1,31}$")] | None = Field(
        None, description="Declared end use, for agencies whose competence depends on it (e.g. dual-use)")
    permits: list[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{3,32}$")]] | None = Field(
        None, max_length=9, description="Numbers of the agency permits (LPCO) this item draws on (WCO write-off)")
    valuation_method: Literal["1", "2", "3", "4", "5", "6"] | None = Field(
        None, description="Valuation method (WCO DM CustomsValuation.MethodCode; EU UCC 4/16): 1 transaction value "
                          "of the imported goods ... 6 fall-back method (WTO Valuation Agreement, Articles 1-7)")


EXAMPLE: dict[str, Any] = {
    "type": "IM",
    "office": "KR0101",
    "lrn": "TRA-2026-0001",
    "declarant": {"id": "KR1000000001", "name": "Hanbit Trading Co.", "country": "KR"},
    "importer": {"id": "KR1000000001", "name": "Hanbit Trading Co.", "country": "KR"},
    "seller": {"name": "Shenzhen Bright Electronics Ltd", "country": "CN"},
    "buyer": {"id": "KR1000000001", "name": "Hanbit Trading Co.", "country": "KR"},
    "transport": {
        "mode": "4",
        "border_office": "KR0101",
        "means_id": "KE0082",
        "departure_country": "CN",
        "arrival": "2026-11-20T08:30:00Z",
    },
    "currency": "USD",
    "incoterm": "FOB",
    "invoice_total": "12500.00",
    "items": [
        {
            "hs_code": "851713",
            "description": "Smartphones, 128 GB, model X1",
            "origin_country": "CN",
            "net_mass_kg": "42.5",
            "quantity": {"value": "250", "unit": "NAR"},
            "packages": {"count": 25, "kind": "CT"},
            "value": "12500.00",
        }
    ],
}


class DeclarationCreate(Strict):
    """A declaration as lodged by a trader."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [EXAMPLE]})

    type: DeclarationType
    office: Annotated[str, StringConstraints(min_length=2, max_length=8)]
    lrn: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,35}$")] = Field(
        description="Local reference number, unique per declarant"
    )
    declarant: Party
    importer: Party | None = None
    exporter: Party | None = None
    seller: Party | None = None
    buyer: Party | None = None
    transport: Transport
    currency: Code3
    incoterm: Code3
    invoice_total: DecimalStr | None = None
    freight: DecimalStr | None = None
    insurance: DecimalStr | None = None
    items: list[Item] = Field(min_length=1, max_length=999)
    procedure: Procedure | None = Field(None, description="EU UCC 1/10 and 1/11 (WCO DM GovernmentProcedure)")
    previous_documents: list[DocumentRef] | None = Field(
        None, max_length=99, description="EU UCC 2/1 Simplified declaration / Previous documents (WCO DM "
                                         "PreviousDocument)")
    documents: list[DocumentRef] | None = Field(
        None, max_length=99, description="EU UCC 2/3 Documents produced, certificates and authorisations, "
                                         "additional references (WCO DM AdditionalDocument)")
    representative: Representative | None = Field(None, description="EU UCC 3/19-3/21 (WCO DM Agent)")
    goods_location: GoodsLocation | None = Field(None, description="EU UCC 5/23 (WCO DM GoodsLocation)")
    containers: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{4}\d{7}$")]] | None = Field(
        None, max_length=999, description="EU UCC 7/10 Container identification numbers, ISO 6346 (WCO DM "
                                          "TransportEquipment.ID)")
    delivery_place: Annotated[str, StringConstraints(min_length=1, max_length=35)] | None = Field(
        None, description="EU UCC 4/1 Delivery terms, the named place with the incoterm (WCO DM "
                          "TradeTerms.DeliveryTermsLocation): a UN/LOCODE or a place name")


class DeclarationAmend(DeclarationCreate):
    """A full replacement document for an amendment, with the reason for it."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True,
        json_schema_extra={"examples": [{**EXAMPLE, "reason": "Corrected net mass"}]},
    )

    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)]


class CancelRequest(Strict):
    """Why a declaration is withdrawn."""

    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)]


class DecisionRequest(Strict):
    """An officer moving a declaration to another state, and why."""

    to: Literal["under_control", "released", "detained", "cleared", "channelled"]
    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)]


class DeclarationRead(BaseModel):
    """A declaration as stored, with its lifecycle state."""

    mrn: str
    version: int
    status: Status
    channel: Channel | None
    type: DeclarationType
    office: str
    lrn: str
    declarant_id: str
    lodged_at: datetime
    updated_at: datetime
    document: DeclarationCreate
    etag: str = Field(description="Current version tag for If-Match on amendment")


class DeclarationSummary(BaseModel):
    """One line of a declaration list."""

    mrn: str
    version: int
    status: Status
    channel: Channel | None
    type: DeclarationType
    office: str
    lrn: str
    declarant_id: str
    lodged_at: datetime
    item_count: int
    total_value: str
    currency: str


class DeclarationPage(BaseModel):
    """A page of declarations and the cursor for the next one."""

    items: list[DeclarationSummary]
    next_cursor: str | None


class EventRead(BaseModel):
    """A lifecycle transition with its time, actor and reason."""

    seq: int
    kind: str
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    reason: str | None
    version: int
    reason_code: str | None = Field(None, description="The reason as a message code (catalogue entry event.<code>); "
                                                      "absent on events written before codes existed")
    reason_params: dict[str, Any] | None = Field(None, description="The parameters of reason_code")


class EventList(BaseModel):
    """Every event of a declaration, oldest first."""

    mrn: str
    items: list[EventRead]
