"""Mirror gaps: a partner's declared exports against our imports, broken down and with revenue at risk.

Aggregate level from Comtrade-shaped rows (reporter, partner, hs6, period, value, quantity). The gap
(partner's exports − our imports) is split into: the CIF/FOB difference (our imports include freight
and insurance, `cif_share` of FOB by default), timing (goods shipped in one period and declared in
the next: the part offset by the next period's opposite gap), classification (the same value found
under another HS6 of the same heading), and what is left, unexplained. Revenue at risk is the
unexplained shortfall times the duty rate.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pandas as pd

CIF_SHARE = 0.06  # freight and insurance on top of FOB, the usual OECD average


def mirror_gaps(exports: pd.DataFrame, imports: pd.DataFrame, *, duty_rates: dict[str, float] | None = None,
                cif_share: float = CIF_SHARE) -> pd.DataFrame:
    """Per hs6 × period: partner exports (FOB), our imports (CIF), the gap and its breakdown."""
    keys = ["hs6", "period"]
    exp = exports.groupby(keys)["value"].sum().rename("partner_exports")
    imp = imports.groupby(keys)["value"].sum().rename("our_imports")
    out = pd.concat([exp, imp], axis=1).fillna(0.0).reset_index().sort_values(keys)
    out["expected_imports"] = out["partner_exports"] * (1 + cif_share)
    out["cif_fob"] = out["partner_exports"] * cif_share
    out["gap"] = out["expected_imports"] - out["our_imports"]  # positive: less declared here than shipped there
    nxt = out.groupby("hs6")["gap"].shift(-1).fillna(0.0)
    out["timing"] = out["gap"].where((out["gap"] * nxt) < 0, 0.0).clip(lower=-nxt.abs(), upper=nxt.abs())
    rest = out["gap"] - out["timing"]
    out["heading"] = out["hs6"].str[:4]
    heading_rest = rest.groupby([out["heading"], out["period"]]).transform("sum")
    # a shortfall under one subheading offset by a surplus under another of the same heading: misclassified
    out["classification"] = (rest - heading_rest).where(rest.abs() > heading_rest.abs(), 0.0)
    out["unexplained"] = rest - out["classification"]
    rates = duty_rates or {}
    out["revenue_at_risk"] = out["unexplained"].clip(lower=0) * out["hs6"].map(rates).fillna(0.0)
    return out.drop(columns="heading").sort_values("unexplained", ascending=False, key=abs).reset_index(drop=True)


def as_money(value: float, currency: str) -> dict[str, Any]:
    """A float total as a Decimal money string with its ISO 4217 code."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return {"amount": str(amount), "currency": currency}
