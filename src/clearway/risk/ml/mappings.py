"""Column mappings from declaration files to the canonical frame.

Two mappings ship with Clearway:

``native`` — Clearway's own flat export, one row per goods item. Columns (names as below):

=================== ======== ==========================================================
column              required meaning
=================== ======== ==========================================================
declaration_id      yes      declaration reference (MRN or file id)
item_no             no       goods item number inside the declaration (default 1)
lodged_at           yes      lodgement time, UTC, ISO 8601 (``2021-03-04T10:15:00Z``)
office              yes      customs office of lodgement
declarant_id        yes      declarant (broker) party id
importer_id         yes      importer (consignee) party id
seller_id           no       seller (consignor) party id
seller_country      no       seller's country, ISO 3166 alpha-2
hs_code             yes      commodity code, 6 digits or more (HS6 + national digits)
origin_country      yes      country of origin, ISO 3166 alpha-2
departure_country   no       country of dispatch/departure, ISO 3166 alpha-2
transport_mode      no       mode of transport at the border (code)
net_mass_kg         yes      net mass in kilograms
value               yes      customs value of the item, in national currency
duty_rate           yes      duty rate in percent of value (8.0 means 8 %)
duty_type           no       kind of duty rate applied (MFN, preference code, ...)
procedure           no       customs procedure / process type code
import_type         no       import type code
import_use          no       intended use code
payment_type        no       duty payment type code
origin_indicator    no       how origin was established (certificate, declaration, ...)
importer_name       no       display only; deliberately never a model input
fraud               no       label: 1 if a control found an irregularity, 0 if not, empty if
                             never controlled
revenue_recovered   no       label: revenue raised by the control, national currency
critical            no       label: seriousness of the finding (1 = serious: a seizure or a
                             fraud the administration ranks serious); without this column a
                             finding is serious when its revenue_recovered reaches
                             ``CRITICAL_REVENUE``
=================== ======== ==========================================================

``kcs`` — the Korea Customs Service synthetic declarations (one row = one item, no item
number, date only). KCS carries no recovered revenue, so the mapping approximates it as the
duty on the declared price, ``Fraud × Item Price × Tax Rate / 100``: what a fraudulent item
puts at stake, not what was actually recovered. Serious fraud is ``Critical Fraud`` = 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Outcome columns of any known source: never read when scoring, whatever the mapping says.
LABEL_SOURCE_COLUMNS = frozenset({"Fraud", "Critical Fraud", "fraud", "revenue_recovered", "revenue", "critical"})

# Recovered revenue (national currency) from which a native finding without a seriousness label is serious.
CRITICAL_REVENUE = 1_000.0
CANONICAL_TEXT = (
    "declaration_id", "office", "declarant_id", "importer_id", "seller_id", "seller_country",
    "hs_code", "origin_country", "departure_country", "transport_mode", "duty_type", "procedure",
    "import_type", "import_use", "payment_type", "origin_indicator", "importer_name",
)
CANONICAL_NUMBERS = ("item_no", "net_mass_kg", "value", "duty_rate")
REQUIRED = (
    "declaration_id", "lodged_at", "office", "declarant_id", "importer_id", "hs_code",
    "origin_country", "net_mass_kg", "value", "duty_rate",
)


@dataclass(frozen=True)
class ColumnMapping:
    """How one source format names the canonical columns and its labels."""

    name: str
    columns: dict[str, str]  # canonical name -> source column
    labels: dict[str, str]  # canonical label -> source column
    date_format: str | None = None  # None: ISO 8601 with offset
    constants: dict[str, object] = field(default_factory=dict)
    derive_revenue: Callable[[pd.DataFrame], pd.Series] | None = None
    critical_level: float = 1.0  # a finding is serious when its seriousness label is at least this
    critical_revenue: float = float("inf")  # ... or, without a seriousness label, when it recovered this much

    def feature_sources(self) -> list[str]:
        """Source columns that may be read for scoring (never a label column)."""
        return [c for c in self.columns.values() if c not in LABEL_SOURCE_COLUMNS]


def _kcs_revenue(frame: pd.DataFrame) -> pd.Series:
    """Duty on the declared price for fraudulent items: the revenue at stake KCS lets us see."""
    at_stake = frame["value"] * frame["duty_rate"] / 100.0
    return pd.Series(np.where(frame["fraud"] == 1, at_stake, 0.0), index=frame.index).where(
        frame["fraud"].notna()
    )


KCS = ColumnMapping(
    name="kcs",
    columns={
        "declaration_id": "Declaration ID",
        "lodged_at": "Date",
        "office": "Office ID",
        "procedure": "Process Type",
        "import_type": "Import Type",
        "import_use": "Import Use",
        "payment_type": "Payment Type",
        "transport_mode": "Mode of Transport",
        "declarant_id": "Declarant ID",
        "importer_id": "Importer ID",
        "seller_id": "Seller ID",
        "hs_code": "HS6 Code",
        "departure_country": "Country of Departure",
        "origin_country": "Country of Origin",
        "duty_rate": "Tax Rate",
        "duty_type": "Tax Type",
        "origin_indicator": "Country of Origin Indicator",
        "net_mass_kg": "Net Mass",
        "value": "Item Price",
    },
    labels={"fraud": "Fraud", "critical": "Critical Fraud"},
    date_format="%Y-%m-%d",
    critical_level=2.0,
    constants={"item_no": 1},
    derive_revenue=_kcs_revenue,
)

NATIVE = ColumnMapping(
    name="native",
    columns={c: c for c in (*CANONICAL_TEXT, "item_no", "lodged_at", "net_mass_kg", "value", "duty_rate")},
    labels={"fraud": "fraud", "revenue_recovered": "revenue_recovered", "critical": "critical"},
    critical_revenue=CRITICAL_REVENUE,
)

MAPPINGS = {m.name: m for m in (KCS, NATIVE)}


def get_mapping(name: str) -> ColumnMapping:
    """Return the built-in mapping called `name` (``kcs`` or ``native``)."""
    try:
        return MAPPINGS[name]
    except KeyError:
        raise ValueError(f"unknown mapping {name!r}; choose one of {sorted(MAPPINGS)}") from None
