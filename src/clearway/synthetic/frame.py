"""Clearway's native flat item format: one row per declared item, with the ground truth attached.

Values are in KRW at the demo rates of `tables`; `duty_rate` is the applied ad valorem rate in
percent of the declared code and origin (with the preference claimed); `revenue_recovered` is
the item's share of the declaration's revenue impact, so rows of a declaration sum to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pandas as pd

from clearway.synthetic.declarations import rfc3339
from clearway.synthetic.records import DeclarationRecord
from clearway.synthetic.tables import applied_rate, to_krw

COLUMNS: tuple[str, ...] = (
    "declaration_id", "item_no", "lodged_at", "office", "declarant_id", "importer_id", "seller_id",
    "seller_country", "hs_code", "origin_country", "departure_country", "transport_mode", "net_mass_kg",
    "value", "duty_rate", "fraud", "fraud_kind", "revenue_recovered", "inspected", "random_pick",
)
INT_COLUMNS = ("item_no", "value", "fraud", "revenue_recovered", "inspected", "random_pick")
FLOAT_COLUMNS = ("net_mass_kg", "duty_rate")


def _rows(record: DeclarationRecord) -> Iterable[tuple[Any, ...]]:
    doc, truth = record.document, record.truth
    head = (doc["lrn"], rfc3339(record.lodged_at), doc["office"], doc["declarant"]["id"], doc["importer"]["id"],
            doc["seller"]["id"], doc["seller"]["country"])
    transport = doc["transport"]
    for number, (item, true) in enumerate(zip(doc["items"], truth.items, strict=True), start=1):
        rate = applied_rate(item["hs_code"], item["origin_country"], item.get("preference"))
        yield (
            head[0], number, *head[1:], item["hs_code"][:6], item["origin_country"],
            transport.get("departure_country") or "", transport["mode"], float(item["net_mass_kg"]),
            int(to_krw(Decimal(item["value"]), doc["currency"])), float(rate), int(truth.fraud),
            truth.fraud_kind or "", int(Decimal(true.revenue_impact)) if truth.fraud else 0,
            int(record.inspected), int(record.random_pick),
        )


def flat_frame(records: Iterable[DeclarationRecord]) -> pd.DataFrame:
    """The flat item frame of declaration records, columns in the documented order."""
    rows = [row for record in records for row in _rows(record)]
    df = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for column in INT_COLUMNS:
        df[column] = df[column].astype("int64")
    for column in FLOAT_COLUMNS:
        df[column] = df[column].astype("float64")
    return df
