"""Fixed demo tables: duty rates, trade preferences and exchange rates for the synthetic world.

These are simplified stand-ins, not the Korean schedule: the real tariff engine lives in
`clearway.tariff`. They exist so that ground-truth revenue impacts can be computed here without
a database, and they are frozen so that a seed always yields the same world.

Duty (ad valorem, percent) = the chapter rate, unless a heading (4 digits) or subheading
(6 digits) override exists; the longest matching prefix wins. A preference claim multiplies
the rate by the agreement's factor (0 = duty free). The duty base is the item's invoice value
converted to KRW; freight, insurance and VAT are deliberately left out.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

DEFAULT_RATE = Decimal("8")

# Chapter rates (percent). Electronics and steel are duty-free as under the ITA and Korea's
# schedule; agricultural chapters carry the high rates that make fraud there worth it.
CHAPTER_RATES: dict[str, Decimal] = {
    k: Decimal(v)
    for k, v in {
        "02": "22.5", "03": "10", "04": "36", "07": "30", "08": "30", "09": "8", "10": "3",
        "12": "3", "17": "8", "19": "8", "21": "8", "22": "15", "24": "40", "30": "8",
        "33": "6.5", "39": "6.5", "40": "8", "42": "8", "44": "5", "52": "8", "54": "8",
        "61": "13", "62": "13", "63": "10", "64": "13", "69": "8", "72": "0", "73": "8",
        "74": "3", "76": "1", "84": "8", "85": "8", "87": "8", "90": "8", "91": "8",
        "94": "8", "95": "8",
    }.items()
}

# Heading and subheading overrides; several exist so that misclassification inside a chapter
# has a revenue motive (beef -> offal, TV -> monitor, footwear -> footwear parts).
OVERRIDES: dict[str, Decimal] = {
    k: Decimal(v)
    for k, v in {
        "0201": "40", "0202": "40", "0203": "25", "0206": "18", "0306": "20", "0402": "40",
        "0703": "135", "0805": "50", "0810": "45", "0901": "2", "1006": "50", "1701": "30",
        "2208": "20", "6406": "8", "8471": "0", "8473": "0", "8517": "0", "8541": "0",
        "8542": "0", "852852": "0",
    }.items()
}

# Origin country -> (agreement code claimed on the item, factor applied to the MFN rate).
PREFERENCES: dict[str, tuple[str, Decimal]] = {
    "US": ("KR-US", Decimal(0)),
    **{c: ("KR-EU", Decimal(0)) for c in ("DE", "FR", "IT", "ES", "NL", "DK", "IE", "FI", "SE",
                                             "PL", "HU", "BE", "AT")},
    **{c: ("KR-EFTA", Decimal(0)) for c in ("CH", "NO")},
    **{c: ("KR-ASEAN", Decimal(0)) for c in ("MY", "TH", "ID", "PH", "SG", "KH")},
    "VN": ("KR-VN", Decimal(0)), "GB": ("KR-UK", Decimal(0)), "CL": ("KR-CL", Decimal(0)),
    "PE": ("KR-PE", Decimal(0)), "AU": ("KR-AU", Decimal(0)), "NZ": ("KR-NZ", Decimal(0)),
    "CA": ("KR-CA", Decimal(0)), "CO": ("KR-CO", Decimal(0)), "HN": ("KR-CAM", Decimal(0)),
    # Partial liberalisation: these agreements only halve (or trim) the rate.
    "CN": ("KR-CN", Decimal("0.5")), "IN": ("KR-IN", Decimal("0.5")), "JP": ("RCEP", Decimal("0.8")),
}

# Demo exchange rates, KRW per one unit of currency (fixed so outputs are reproducible).
KRW_PER_UNIT: dict[str, Decimal] = {
    k: Decimal(v)
    for k, v in {
        "KRW": "1", "USD": "1350", "EUR": "1470", "JPY": "9.0", "CNY": "187", "GBP": "1720",
        "AUD": "890", "CHF": "1530", "HKD": "173", "SGD": "1000", "TWD": "42", "NZD": "810",
        "CAD": "990", "VND": "0.054", "THB": "38",
    }.items()
}

# Currencies invoiced without minor units.
_WHOLE_UNITS = frozenset({"KRW", "JPY", "VND"})
_CENT = Decimal("0.01")
_ONE = Decimal("1")


@lru_cache(maxsize=4096)
def mfn_rate(hs_code: str) -> Decimal:
    """The non-preferential duty rate (percent) of an HS code in the demo table."""
    for prefix in (hs_code[:6], hs_code[:4]):
        if prefix in OVERRIDES:
            return OVERRIDES[prefix]
    return CHAPTER_RATES.get(hs_code[:2], DEFAULT_RATE)


def applied_rate(hs_code: str, origin: str, preference: str | None) -> Decimal:
    """The duty rate (percent) for a code and origin, with the preference claimed if valid."""
    rate = mfn_rate(hs_code)
    agreement = PREFERENCES.get(origin)
    if preference and agreement and agreement[0] == preference:
        return rate * agreement[1]
    return rate


def preference_factor(origin: str) -> Decimal:
    """The best factor an origin can claim on the MFN rate (1 when it has no agreement)."""
    agreement = PREFERENCES.get(origin)
    return agreement[1] if agreement else _ONE


def money_step(currency: str) -> Decimal:
    """The smallest invoiced amount in a currency (whole units for KRW, JPY, VND)."""
    return _ONE if currency in _WHOLE_UNITS else _CENT


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """Round an amount to the currency's invoicing step, never below one step."""
    step = money_step(currency)
    return max(step, amount.quantize(step, rounding=ROUND_HALF_UP))


def usd_to(amount_usd: float, currency: str) -> Decimal:
    """Convert a USD amount into a currency through the KRW demo rates, rounded to its step."""
    krw = Decimal(amount_usd) * KRW_PER_UNIT["USD"]
    return quantize_money(krw / KRW_PER_UNIT[currency], currency)


def to_krw(amount: Decimal, currency: str) -> Decimal:
    """Convert an amount in a currency into whole KRW with the demo rates."""
    return (amount * KRW_PER_UNIT[currency]).quantize(_ONE, rounding=ROUND_HALF_UP)


def duty_krw(hs_code: str, origin: str, preference: str | None, value: Decimal, currency: str) -> Decimal:
    """Duty in whole KRW on an item value, under the demo table."""
    rate = applied_rate(hs_code, origin, preference)
    return (to_krw(value, currency) * rate / 100).quantize(_ONE, rounding=ROUND_HALF_UP)
