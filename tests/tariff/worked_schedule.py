"""A small hand-written schedule and rate table whose figures the worked cases compute by hand.

National currency KRW. Rates (KRW per unit):
  USD 1300 from 2026-01-01 to 2026-01-31, 1400 in February, no rate in March (a gap), 1350 from April on
  EUR 1500 from 2026-01-01; JPY 9.123456 from 2026-01-01; CNY 190.5 from 2026-01-01
VAT 10 % on every chapter used, except rice (0 %); chapter 71 has no VAT measure at all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from clearway.declarations.schemas import EXAMPLE, DeclarationCreate
from clearway.tariff.snapshot import Agreement, Measure, RateTable, Schedule

D = Decimal
START = date(2022, 1, 1)
JAN, FEB, MAR, JUL = date(2026, 1, 15), date(2026, 2, 10), date(2026, 3, 10), date(2026, 7, 15)
NEXT_YEAR = date(2027, 3, 1)

LINES = [
    ("61091000", "T-shirts of cotton", "NAR"), ("85171300", "Smartphones", "NAR"),
    ("39269000", "Articles of plastics", None), ("95030000", "Toys", "NAR"), ("22030000", "Beer", "LTR"),
    ("2208301000", "Whiskies; bourbon", "LTR"), ("2208309000", "Whiskies; other", "LTR"),
    ("24022000", "Cigarettes", "NAR"), ("87032310", "Cars 1500-2000cc", "NAR"), ("17011400", "Cane sugar", None),
    ("04090000", "Natural honey", None), ("10063000", "Rice, milled", None), ("20091100", "Orange juice", "LTR"),
    ("02013000", "Beef, boneless, fresh", None), ("73181500", "Screws and bolts", None),
    ("07031000", "Onions", None), ("30049000", "Medicaments", None), ("71131900", "Jewellery", None),
]


def _m(ref: str, code: str, kind: str, basis: str | None = "ad_valorem", pct: str | None = None, *,
       amount: str | None = None, per: str | None = None, currency: str | None = None, agreement: str | None = None,
       agency: str | None = None, start: date = START, end: date | None = None) -> Measure:
    return Measure(ref, code, kind, start, end, basis, D(pct) if pct else None, D(amount) if amount else None,
                   currency, per, agreement, agency, f"Worked schedule {ref}")


MEASURES = [
    *[_m(f"VAT-{ch}", ch, "vat", pct="10") for ch in ("61", "85", "39", "95", "22", "24", "87", "17", "04",
                                                      "20", "02", "73", "07", "30", "10")],
    _m("VAT-RICE", "1006", "vat", pct="0"),
    _m("D-6109", "6109", "duty", pct="13"), _m("D-8517", "8517", "duty", pct="0"),
    _m("D-39", "39", "duty", pct="6.5"),
    _m("D-9503-OLD", "9503", "duty", pct="8", end=date(2026, 6, 30)),
    _m("D-9503-NEW", "9503", "duty", pct="0", start=date(2026, 7, 1)),
    _m("D-2203", "2203", "duty", pct="30"), _m("X-2203", "2203", "excise", "specific", amount="885.7", per="LTR"),
    _m("D-2208", "2208", "duty", pct="20"), _m("X-2208", "2208", "excise", pct="72"),
    _m("D-2402", "2402", "duty", pct="40"), _m("X-2402", "2402", "excise", "specific", amount="50.35", per="NAR"),
    _m("D-8703", "8703", "duty", pct="8"), _m("X-8703", "8703", "excise", pct="5"),
    _m("D-1701", "1701", "duty", "specific", amount="100", per="KGM"),
    _m("D-0409", "0409", "duty", "compound", "20", amount="500", per="KGM"),
    _m("D-1006", "1006", "duty", "mixed_max", "513", amount="2000", per="KGM"),
    _m("D-2009", "2009", "duty", "mixed_min", "30", amount="800", per="LTR"),
    _m("D-0201", "0201", "duty", pct="40"), _m("R-0201", "0201", "restriction", None, agency="APQA"),
    _m("D-73", "73", "duty", pct="8"), _m("D-0703", "0703", "duty", "specific", amount="0.10", per="KGM",
                                          currency="EUR"),
    _m("D-30", "30", "duty", pct="0"), _m("R-3004", "3004", "restriction", None, agency="MFDS"),
    _m("D-7113", "7113", "duty", pct="8", end=date(2025, 12, 31)),
    _m("P-KRUS-BEEF-26", "0201", "duty", pct="5.3", agreement="KRUS", start=date(2026, 1, 1), end=date(2026, 12, 31)),
    _m("P-KRUS-BEEF-27", "0201", "duty", pct="2.6", agreement="KRUS", start=date(2027, 1, 1)),
    _m("P-KRUS-73", "73", "duty", pct="0", agreement="KRUS"), _m("P-KREU-73", "73", "duty", pct="0", agreement="KREU"),
    _m("P-RCEP-7318", "731815", "duty", pct="4", agreement="RCEP"),
]

AGREEMENTS = [
    Agreement("KRUS", "KORUS", frozenset({"US"}), date(2012, 3, 15)),
    Agreement("KREU", "KR-EU", frozenset({"DE", "FR", "IT"}), date(2011, 7, 1)),
    Agreement("RCEP", "RCEP", frozenset({"CN", "JP", "VN"}), date(2022, 2, 1)),
]

SCHEDULE = Schedule.build(currency="KRW", lines=LINES, measures=MEASURES, agreements=AGREEMENTS, version=1)
RATES = RateTable("KRW", {
    "USD": ((date(2026, 1, 1), date(2026, 1, 31), D("1300")), (date(2026, 2, 1), date(2026, 2, 28), D("1400")),
            (date(2026, 4, 1), None, D("1350"))),
    "EUR": ((date(2026, 1, 1), None, D("1500")),),
    "JPY": ((date(2026, 1, 1), None, D("9.123456")),),
    "CNY": ((date(2026, 1, 1), None, D("190.5")),),
})


def item(hs: str, value: str, *, mass: str = "1", qty: tuple[str, str] = ("1", "NAR"), origin: str = "CN",
         preference: str | None = None, proof: str | None = None, description: str = "Goods") -> dict[str, Any]:
    """A goods item as it appears in a declaration body."""
    body: dict[str, Any] = {"hs_code": hs, "description": description, "origin_country": origin,
                            "net_mass_kg": mass, "quantity": {"value": qty[0], "unit": qty[1]}, "value": value}
    if preference:
        body["preference"] = preference
    if proof:
        body["origin_proof"] = proof
    return body


def declaration(*items: dict[str, Any], currency: str = "KRW", incoterm: str = "CIF", freight: str | None = None,
                insurance: str | None = None) -> DeclarationCreate:
    """A valid declaration (the schema's example) with the given items and valuation terms."""
    body = {**EXAMPLE, "currency": currency, "incoterm": incoterm, "items": list(items)}
    body.pop("invoice_total", None)
    if freight is not None:
        body["freight"] = freight
    if insurance is not None:
        body["insurance"] = insurance
    return DeclarationCreate.model_validate(body)
