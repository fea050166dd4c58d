"""The duty and valuation rules, each stated once; every other module reads them from here.

Valuation basis is CIF at the border of importation (WTO Valuation Agreement, Art. 8.2 option):
- E and F terms (EXW, FCA, FAS, FOB): declared freight and insurance are added; when one is not
  declared, DEFAULT_FREIGHT_RATE / DEFAULT_INSURANCE_RATE of the item's invoice value is added.
- CFR and CPT: freight is already in the price (declared freight is ignored); insurance is added,
  declared or by default.
- CIF and CIP: the invoice value is kept; declared freight and insurance are ignored.
- D terms (DAP, DPU, DDP): the invoice value is kept. The price already covers carriage to the
  border; the declaration cannot tell post-arrival costs apart, so nothing is deducted.
Declaration-level freight and insurance are shared among items in proportion to item value.

Rounding: amounts are Decimal end to end. An item's customs value is converted to the national
currency and rounded half-up to the national money quantum; each tax line (item x tax) is then
computed from rounded bases and rounded half-up once; totals are plain sums of the rounded lines,
so a total always equals the sum of its lines.

Tax bases: customs duty on the customs value (ad valorem) or on the quantity (specific: net mass
for mass units, else the declared supplementary quantity converted by UNIT_FACTORS); excise on
customs value + duty; VAT on customs value + duty + excise. A specific amount in a foreign currency
is converted at the customs rate of the same day.

Preferences: an item gets an agreement's preferential duty only when it claims the agreement, gives
a proof of origin, originates in a partner, the agreement is in force on the date and the line has a
preferential measure; otherwise the general duty applies and a notice says which condition failed.

De minimis: when the declaration's total customs value is strictly below DE_MINIMIS for the
national currency, the taxes in DE_MINIMIS_COVERS (customs duty only) are waived; excise and VAT
stay due, as under EU rules since 2021. The waived line is still shown, with amount 0 and its relief.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow

DEFAULT_FREIGHT_RATE = Decimal("0.05")  # 5 % of invoice value when freight is not declared
DEFAULT_INSURANCE_RATE = Decimal("0.005")  # 0.5 % of invoice value when insurance is not declared

ROUNDING = ROUND_HALF_UP
# Every computation runs in this context, whatever the caller's thread set: 34 significant digits
# (IEEE decimal128) hold a 10^15 value with 6 decimals times any rate before the single rounding.
CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])
# Money quantum per national currency (ISO 4217 minor units); currencies not listed use cents.
_ZERO_DECIMAL_CURRENCIES = frozenset({"KRW", "JPY", "CLP", "ISK", "VND", "UGX", "PYG", "XOF", "XAF"})
RATE_QUANTUM = Decimal("0.000001")  # customs exchange rates: national units per foreign unit, 6 dp

INCOTERMS_ADD_FREIGHT = frozenset({"EXW", "FCA", "FAS", "FOB"})
INCOTERMS_ADD_INSURANCE = frozenset({"EXW", "FCA", "FAS", "FOB", "CFR", "CPT"})
INCOTERMS_KEPT = frozenset({"CIF", "CIP", "DAP", "DPU", "DDP"})

DE_MINIMIS: dict[str, Decimal] = {"KRW": Decimal("150000"), "EUR": Decimal("150"), "USD": Decimal("150")}
DE_MINIMIS_COVERS = frozenset({"duty"})

TAXES = ("duty", "excise", "vat")  # computation order: each later tax's base includes the earlier ones

# A customs rate published on a working day covers the following days until the next one, but
# never longer than this: a currency the source stopped publishing shows up as a gap.
MAX_RATE_CARRY_DAYS = 7

# Specific duties name a unit; the declared quantity may use a related unit of the same dimension.
UNIT_FACTORS: dict[str, tuple[str, Decimal]] = {
    "KGM": ("KGM", Decimal(1)), "GRM": ("KGM", Decimal("0.001")), "TNE": ("KGM", Decimal(1000)),
    "LTR": ("LTR", Decimal(1)), "MLT": ("LTR", Decimal("0.001")), "MTQ": ("LTR", Decimal(1000)),
    "NAR": ("NAR", Decimal(1)), "PCE": ("NAR", Decimal(1)), "DZN": ("NAR", Decimal(12)),
}


def money_quantum(currency: str) -> Decimal:
    """The smallest amount of a currency that a tax line is rounded to."""
    return Decimal(1) if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")


def round_money(amount: Decimal, quantum: Decimal) -> Decimal:
    """Round an amount half-up to the quantum: the single rounding rule of the domain."""
    return amount.quantize(quantum, rounding=ROUNDING)
