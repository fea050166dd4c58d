"""Worked cases: every expected amount is computed by hand in the comment above it.

Schedule and rates are in worked_schedule.py (KRW; USD 1300 in January, 1400 in February, 1350 from
April; EUR 1500; JPY 9.123456). Rules: CIF basis (FOB/EXW/FCA add freight 5 % and insurance 0.5 %
unless declared; CFR/CPT add insurance only; CIF and D terms keep the invoice value); each tax line
rounded half-up to whole KRW; excise on value + duty; VAT on value + duty + excise; de minimis
150,000 KRW waives customs duty only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, localcontext

import pytest

from clearway.declarations.schemas import DeclarationCreate
from clearway.tariff.compute import compute_duties
from tests.tariff.worked_schedule import FEB, JAN, JUL, NEXT_YEAR, RATES, SCHEDULE, D, declaration, item

TSHIRT, PHONE, PLASTIC, TOY, BEER = "61091000", "85171300", "39269000", "95030000", "22030000"
WHISKY, CIGS, CAR, SUGAR, HONEY = "2208301000", "24022000", "87032310", "17011400", "04090000"
RICE, JUICE, BEEF, SCREWS, ONIONS, MEDS = "10063000", "20091100", "02013000", "73181500", "07031000", "30049000"


@dataclass(frozen=True)
class Case:
    name: str
    document: DeclarationCreate
    on: date
    items: list[dict[str, int]]  # per item: tax -> amount in KRW
    total: int
    notice: str | None = None


def c(name: str, document: DeclarationCreate, items: list[dict[str, int]], total: int, on: date = JAN,
      notice: str | None = None) -> Case:
    return Case(name, document, on, items, total, notice)


CASES = [
    # Ad valorem, KRW, CIF: cv 1,000,000; duty 13 % = 130,000; VAT 10 % x 1,130,000 = 113,000; total 243,000
    c("ad_valorem_13", declaration(item(TSHIRT, "1000000")), [{"duty": 130000, "vat": 113000}], 243000),
    # Zero duty (ITA): duty 0; VAT 10 % x 2,000,000 = 200,000
    c("zero_duty_vat_only", declaration(item(PHONE, "2000000")), [{"duty": 0, "vat": 200000}], 200000),
    # 6.5 %: 1,234,567 x 0.065 = 80,246.855 -> 80,247; VAT (1,234,567 + 80,247) x 0.1 = 131,481.4 -> 131,481
    c("ad_valorem_6_5", declaration(item(PLASTIC, "1234567")), [{"duty": 80247, "vat": 131481}], 211728),
    # USD in January: cv 1,000 x 1,300 = 1,300,000; duty 169,000; VAT 1,469,000 x 0.1 = 146,900
    c("usd_january_rate", declaration(item(TSHIRT, "1000"), currency="USD"), [{"duty": 169000, "vat": 146900}],
      315900),
    # USD in February: cv 1,400,000; duty 182,000; VAT 1,582,000 x 0.1 = 158,200
    c("usd_february_rate", declaration(item(TSHIRT, "1000"), currency="USD"), [{"duty": 182000, "vat": 158200}],
      340200, on=FEB),
    # USD from April (open-ended rate) in July: cv 1,350,000; duty 175,500; VAT 152,550
    c("usd_open_ended_rate", declaration(item(TSHIRT, "1000"), currency="USD"), [{"duty": 175500, "vat": 152550}],
      328050, on=JUL),
    # FOB, defaults: 1,000 x (1 + 0.05 + 0.005) = 1,055 USD x 1,300 = 1,371,500; duty 13 % = 178,295;
    # VAT (1,371,500 + 178,295) x 0.1 = 154,979.5 -> 154,980 (half-up)
    c("fob_default_freight_insurance", declaration(item(TSHIRT, "1000"), currency="USD", incoterm="FOB"),
      [{"duty": 178295, "vat": 154980}], 333275),
    # FOB, freight 80 declared, insurance default: 1,000 + 80 + 5 = 1,085 x 1,300 = 1,410,500; duty 183,365;
    # VAT 1,593,865 x 0.1 = 159,386.5 -> 159,387
    c("fob_declared_freight", declaration(item(TSHIRT, "1000"), currency="USD", incoterm="FOB", freight="80"),
      [{"duty": 183365, "vat": 159387}], 342752),
    # FOB, freight 80 and insurance 2: 1,082 x 1,300 = 1,406,600; duty 182,858; VAT 1,589,458 -> 158,945.8 -> 158,946
    c("fob_declared_both", declaration(item(TSHIRT, "1000"), currency="USD", incoterm="FOB", freight="80",
                                       insurance="2"), [{"duty": 182858, "vat": 158946}], 341804),
    # EXW, defaults: 2,000 x 1.055 = 2,110 x 1,300 = 2,743,000; duty 0; VAT 274,300
    c("exw_defaults", declaration(item(PHONE, "2000"), currency="USD", incoterm="EXW"), [{"duty": 0, "vat": 274300}],
      274300),
    # FCA, freight 50 and insurance 5 on 500: 555 x 1,300 = 721,500; toys 8 % = 57,720; VAT 779,220 x 0.1 = 77,922
    c("fca_declared", declaration(item(TOY, "500"), currency="USD", incoterm="FCA", freight="50", insurance="5"),
      [{"duty": 57720, "vat": 77922}], 135642),
    # FAS, freight 0 declared, insurance default: 1,005 x 1,300 = 1,306,500; duty 169,845;
    # VAT 1,476,345 x 0.1 = 147,634.5 -> 147,635
    c("fas_zero_freight", declaration(item(TSHIRT, "1000"), currency="USD", incoterm="FAS", freight="0"),
      [{"duty": 169845, "vat": 147635}], 317480),
    # CFR: freight is in the price (declared 80 ignored), insurance default 0.5 %: same as FAS above
    c("cfr_adds_insurance_only", declaration(item(TSHIRT, "1000"), currency="USD", incoterm="CFR", freight="80"),
      [{"duty": 169845, "vat": 147635}], 317480),
    # CPT, insurance 3 declared: 1,003 x 1,300 = 1,303,900; duty 169,507; VAT 1,473,407 -> 147,340.7 -> 147,341
    c("cpt_declared_insurance", declaration(item(TSHIRT, "1000"), currency="USD", incoterm="CPT", insurance="3"),
      [{"duty": 169507, "vat": 147341}], 316848),
    # CIF keeps the invoice value whatever freight is declared: as usd_january_rate
    c("cif_ignores_freight", declaration(item(TSHIRT, "1000"), currency="USD", freight="80", insurance="9"),
      [{"duty": 169000, "vat": 146900}], 315900),
    # DDP keeps the invoice value: as usd_january_rate
    c("ddp_kept", declaration(item(TSHIRT, "1000"), currency="USD", incoterm="DDP", freight="99"),
      [{"duty": 169000, "vat": 146900}], 315900),
    # Freight 300 shared by value over 3,000 (insurance 0): factor 1.1. Item 0: 1,100 x 1,300 = 1,430,000;
    # duty 185,900; VAT 1,615,900 x 0.1 = 161,590. Item 1: 2,200 x 1,300 = 2,860,000; duty 0; VAT 286,000
    c("freight_shared_by_value", declaration(item(TSHIRT, "1000"), item(PHONE, "2000"), currency="USD",
                                             incoterm="FOB", freight="300", insurance="0"),
      [{"duty": 185900, "vat": 161590}, {"duty": 0, "vat": 286000}], 633490),
    # Specific per kg: 1,000 kg x 100 = 100,000; VAT (500,000 + 100,000) x 0.1 = 60,000
    c("specific_per_kg", declaration(item(SUGAR, "500000", mass="1000")), [{"duty": 100000, "vat": 60000}], 160000),
    # Specific on a fractional mass: 12.345 x 100 = 1,234.5 -> 1,235; VAT 201,235 x 0.1 = 20,123.5 -> 20,124
    c("specific_fractional_mass", declaration(item(SUGAR, "200000", mass="12.345")),
      [{"duty": 1235, "vat": 20124}], 21359),
    # Compound: 20 % x 1,000,000 + 500 x 200 kg = 200,000 + 100,000 = 300,000; VAT 1,300,000 x 0.1 = 130,000
    c("compound", declaration(item(HONEY, "1000000", mass="200")), [{"duty": 300000, "vat": 130000}], 430000),
    # Mixed max, ad valorem wins: max(513 % x 1,000,000 = 5,130,000; 2,000 x 1,000 kg = 2,000,000); rice VAT 0 %
    c("mixed_max_ad_valorem", declaration(item(RICE, "1000000", mass="1000")), [{"duty": 5130000, "vat": 0}],
      5130000),
    # Mixed max, specific wins: max(513 % x 200,000 = 1,026,000; 2,000,000) = 2,000,000; VAT 0
    c("mixed_max_specific", declaration(item(RICE, "200000", mass="1000")), [{"duty": 2000000, "vat": 0}], 2000000),
    # Mixed min, ad valorem lower: min(30 % x 2,000,000 = 600,000; 800 x 1,000 l = 800,000) = 600,000;
    # VAT 2,600,000 x 0.1 = 260,000
    c("mixed_min_ad_valorem", declaration(item(JUICE, "2000000", qty=("1000", "LTR"))),
      [{"duty": 600000, "vat": 260000}], 860000),
    # Mixed min, specific lower: min(1,500,000; 800,000) = 800,000; VAT 5,800,000 x 0.1 = 580,000
    c("mixed_min_specific", declaration(item(JUICE, "5000000", qty=("1000", "LTR"))),
      [{"duty": 800000, "vat": 580000}], 1380000),
    # Quantity in millilitres: 500,000 ml = 500 l; min(1,500,000; 800 x 500 = 400,000) = 400,000; VAT 540,000
    c("specific_unit_conversion", declaration(item(JUICE, "5000000", qty=("500000", "MLT"))),
      [{"duty": 400000, "vat": 540000}], 940000),
    # Beer: duty 30 % = 600,000; excise 885.7 x 1,000 l = 885,700; VAT (2,000,000 + 600,000 + 885,700) x 0.1 = 348,570
    c("beer_specific_excise", declaration(item(BEER, "2000000", qty=("1000", "LTR"))),
      [{"duty": 600000, "excise": 885700, "vat": 348570}], 1834270),
    # Whisky: duty 20 % = 200,000; excise 72 % x 1,200,000 = 864,000; VAT 2,064,000 x 0.1 = 206,400
    c("whisky_ad_valorem_excise", declaration(item(WHISKY, "1000000", qty=("70", "LTR"))),
      [{"duty": 200000, "excise": 864000, "vat": 206400}], 1270400),
    # Cigarettes: duty 40 % = 400,000; excise 50.35 x 10,000 sticks = 503,500; VAT 1,903,500 x 0.1 = 190,350
    c("cigarettes_per_stick", declaration(item(CIGS, "1000000", qty=("10000", "NAR"))),
      [{"duty": 400000, "excise": 503500, "vat": 190350}], 1093850),
    # Cigarettes in dozens: 100 DZN = 1,200 sticks; duty 80,000; excise 50.35 x 1,200 = 60,420;
    # VAT (200,000 + 80,000 + 60,420) x 0.1 = 34,042
    c("cigarettes_in_dozens", declaration(item(CIGS, "200000", qty=("100", "DZN"))),
      [{"duty": 80000, "excise": 60420, "vat": 34042}], 174462),
    # Car: cv 20,000 x 1,300 = 26,000,000; duty 8 % = 2,080,000; excise 5 % x 28,080,000 = 1,404,000;
    # VAT 29,484,000 x 0.1 = 2,948,400
    c("car_excise", declaration(item(CAR, "20000"), currency="USD"),
      [{"duty": 2080000, "excise": 1404000, "vat": 2948400}], 6432400),
    # Specific duty in EUR: 2,000 kg x 0.10 EUR x 1,500 = 300,000; VAT 1,300,000 x 0.1 = 130,000
    c("specific_in_foreign_currency", declaration(item(ONIONS, "1000000", mass="2000")),
      [{"duty": 300000, "vat": 130000}], 430000),
    # KORUS beef 2026 with proof: cv 13,000,000; duty 5.3 % = 689,000; VAT 13,689,000 x 0.1 = 1,368,900
    c("preference_korus_beef", declaration(item(BEEF, "10000", origin="US", preference="KRUS", proof="CO-1"),
                                           currency="USD"), [{"duty": 689000, "vat": 1368900}], 2057900),
    # KORUS beef 2027 (USD 1,350): cv 13,500,000; duty 2.6 % = 351,000; VAT 13,851,000 x 0.1 = 1,385,100
    c("preference_phased_next_year", declaration(item(BEEF, "10000", origin="US", preference="KRUS", proof="CO-1"),
                                                 currency="USD"), [{"duty": 351000, "vat": 1385100}], 1736100,
      on=NEXT_YEAR),
    # No proof of origin: general 40 % = 5,200,000; VAT 18,200,000 x 0.1 = 1,820,000
    c("preference_without_proof", declaration(item(BEEF, "10000", origin="US", preference="KRUS"), currency="USD"),
      [{"duty": 5200000, "vat": 1820000}], 7020000, notice="tariff.preference_no_proof"),
    # Origin not a partner of KORUS: general rate, as above
    c("preference_not_partner", declaration(item(BEEF, "10000", origin="AU", preference="KRUS", proof="CO-1"),
                                            currency="USD"), [{"duty": 5200000, "vat": 1820000}], 7020000,
      notice="tariff.preference_not_partner"),
    # Partner origin without a claim: general rate, as above
    c("partner_without_claim", declaration(item(BEEF, "10000", origin="US", proof="CO-1"), currency="USD"),
      [{"duty": 5200000, "vat": 1820000}], 7020000),
    # RCEP on a subheading: 4 % x 1,000,000 = 40,000; VAT 1,040,000 x 0.1 = 104,000
    c("preference_rcep", declaration(item(SCREWS, "1000000", origin="CN", preference="RCEP", proof="RCEP-9")),
      [{"duty": 40000, "vat": 104000}], 144000),
    # KR-EU: 0 %; VAT 100,000
    c("preference_kreu_zero", declaration(item(SCREWS, "1000000", origin="DE", preference="KREU", proof="EUR.1")),
      [{"duty": 0, "vat": 100000}], 100000),
    # KORUS has no rate for T-shirts: general 13 %, as ad_valorem_13
    c("preference_no_rate", declaration(item(TSHIRT, "1000000", origin="US", preference="KRUS", proof="CO-1")),
      [{"duty": 130000, "vat": 113000}], 243000, notice="tariff.preference_no_rate"),
    # Unknown agreement: general 8 % = 80,000; VAT 108,000
    c("preference_unknown", declaration(item(SCREWS, "1000000", preference="XXFTA", proof="P")),
      [{"duty": 80000, "vat": 108000}], 188000, notice="tariff.preference_unknown"),
    # De minimis: cv 100 x 1,300 = 130,000 < 150,000: duty waived (0); VAT 130,000 x 0.1 = 13,000
    c("de_minimis_waives_duty", declaration(item(TSHIRT, "100"), currency="USD"), [{"duty": 0, "vat": 13000}], 13000),
    # At the threshold (150,000 is not below it): duty 19,500; VAT 169,500 x 0.1 = 16,950
    c("de_minimis_at_threshold", declaration(item(TSHIRT, "150000")), [{"duty": 19500, "vat": 16950}], 36450),
    # De minimis keeps excise: duty waived; excise 885.7 x 10 l = 8,857;
    # VAT (100,000 + 8,857) x 0.1 = 10,885.7 -> 10,886
    c("de_minimis_keeps_excise", declaration(item(BEER, "100000", qty=("10", "LTR"))),
      [{"duty": 0, "excise": 8857, "vat": 10886}], 19743),
    # De minimis is judged on the whole declaration: 2 x 100,000 = 200,000 >= 150,000; each duty 13,000,
    # each VAT 113,000 x 0.1 = 11,300
    c("de_minimis_whole_declaration", declaration(item(TSHIRT, "100000"), item(TSHIRT, "100000")),
      [{"duty": 13000, "vat": 11300}, {"duty": 13000, "vat": 11300}], 48600),
    # Half-up at exactly .5: 150,050 x 0.13 = 19,506.5 -> 19,507; VAT 169,557 x 0.1 = 16,955.7 -> 16,956
    c("rounding_half_up", declaration(item(TSHIRT, "150050")), [{"duty": 19507, "vat": 16956}], 36463),
    # Each line is rounded, not the total: 2 x 19,507 = 39,014 (300,100 x 0.13 = 39,013 if rounded once)
    c("rounding_per_line", declaration(item(TSHIRT, "150050"), item(TSHIRT, "150050")),
      [{"duty": 19507, "vat": 16956}, {"duty": 19507, "vat": 16956}], 72926),
    # Conversion rounding: 123,450 JPY x 9.123456 = 1,126,290.6432 -> 1,126,291; duty 13 % = 146,417.83 -> 146,418;
    # VAT 1,272,709 x 0.1 = 127,270.9 -> 127,271
    c("rounding_converted_value", declaration(item(TSHIRT, "123450"), currency="JPY"),
      [{"duty": 146418, "vat": 127271}], 273689),
    # Cents: 1,234.56 x 1,300 = 1,604,928; duty 208,640.64 -> 208,641; VAT 1,813,569 x 0.1 = 181,356.9 -> 181,357
    c("invoice_cents", declaration(item(TSHIRT, "1234.56"), currency="USD"), [{"duty": 208641, "vat": 181357}],
      389998),
    # Amendment of the value (1,000 -> 1,100 USD): cv 1,430,000; duty 185,900; VAT 161,590 (was 315,900)
    c("amended_value", declaration(item(TSHIRT, "1100"), currency="USD"), [{"duty": 185900, "vat": 161590}], 347490),
    # Amendment of the code (T-shirts -> phones, 1,000 USD): duty 0; VAT 130,000 (was 315,900)
    c("amended_code", declaration(item(PHONE, "1000"), currency="USD"), [{"duty": 0, "vat": 130000}], 130000),
    # Tariff amendment: toys 8 % until 30 June 2026: duty 80,000; VAT 108,000 ...
    c("toys_before_tariff_cut", declaration(item(TOY, "1000000")), [{"duty": 80000, "vat": 108000}], 188000),
    # ... and 0 % from 1 July 2026: duty 0; VAT 100,000
    c("toys_after_tariff_cut", declaration(item(TOY, "1000000")), [{"duty": 0, "vat": 100000}], 100000, on=JUL),
    # An 8-digit code designating one 10-digit line resolves to it: as whisky_ad_valorem_excise
    c("eight_digit_prefix", declaration(item("22083010", "1000000", qty=("70", "LTR"))),
      [{"duty": 200000, "excise": 864000, "vat": 206400}], 1270400),
    # An HS6 code with a single national line resolves to it: as zero_duty_vat_only
    c("hs6_single_line", declaration(item("851713", "2000000")), [{"duty": 0, "vat": 200000}], 200000),
    # A restricted good is taxed normally (the permit is a control, not a tax): duty 0, VAT 100,000
    c("restricted_goods_taxed", declaration(item(MEDS, "1000000")), [{"duty": 0, "vat": 100000}], 100000),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_worked_case(case: Case) -> None:
    result = compute_duties(document=case.document, schedule=SCHEDULE, rates=RATES, on=case.on)
    got = [{line.tax: int(line.amount) for line in result.lines if line.item == i} for i in range(len(case.items))]
    assert got == case.items
    assert result.total == D(case.total)
    assert result.total == sum(line.amount for line in result.lines)
    assert [n.code for n in result.notices] == ([case.notice] if case.notice else [])


def test_there_are_at_least_forty_worked_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


def test_each_line_names_its_legal_basis_and_preference() -> None:
    document = declaration(item(BEEF, "10000", origin="US", preference="KRUS", proof="CO-1"), currency="USD")
    result = compute_duties(document=document, schedule=SCHEDULE, rates=RATES, on=JAN)
    assert [(t.tax, t.measure_id, t.preference, t.rate) for t in result.lines] == [
        ("duty", "P-KRUS-BEEF-26", "KRUS", "5.3%"), ("vat", "VAT-02", None, "10%")]
    assert [(c.item, c.measure.agency) for c in result.controls] == [(0, "APQA")]


def test_de_minimis_line_is_shown_with_its_relief() -> None:
    result = compute_duties(document=declaration(item(TSHIRT, "100"), currency="USD"), schedule=SCHEDULE,
                            rates=RATES, on=JAN)
    duty = result.lines[0]
    assert (duty.tax, duty.amount, duty.relief, duty.measure_id) == ("duty", D(0), "de_minimis", "D-6109")
    assert result.de_minimis is True
    assert result.customs_value == D(130000)


def test_the_callers_decimal_context_does_not_change_the_bill() -> None:
    document = declaration(item(TSHIRT, "123450"), currency="JPY")
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 5, ROUND_DOWN
        result = compute_duties(document=document, schedule=SCHEDULE, rates=RATES, on=JAN)
    assert result.total == D(273689)  # as rounding_converted_value
