"""The flat item frame, its CSV and the JSONL bulk file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd

from clearway.declarations.schemas import DeclarationCreate
from clearway.synthetic import World, generate_world
from clearway.synthetic.tables import to_krw

COLUMNS = [
    "declaration_id", "item_no", "lodged_at", "office", "declarant_id", "importer_id", "seller_id",
    "seller_country", "hs_code", "origin_country", "departure_country", "transport_mode", "net_mass_kg",
    "value", "duty_rate", "fraud", "fraud_kind", "revenue_recovered", "inspected", "random_pick",
]


def test_flat_frame_has_exactly_the_native_columns(world: World) -> None:
    assert list(world.to_flat_frame().columns) == COLUMNS


def test_one_row_per_item_with_declared_values_in_krw(world: World) -> None:
    df = world.to_flat_frame()
    assert len(df) == sum(len(r.document["items"]) for r in world.declarations)
    assert df["hs_code"].str.fullmatch(r"\d{6}").all()
    assert df["lodged_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    first = world.declarations[0]
    row = df.iloc[0]
    item = first.document["items"][0]
    assert row["declaration_id"] == first.document["lrn"] and row["item_no"] == 1
    assert row["value"] == int(to_krw(Decimal(item["value"]), first.document["currency"]))


def test_revenue_recovered_sums_to_the_declaration_impact(world: World) -> None:
    df = world.to_flat_frame()
    totals = df.groupby("declaration_id", sort=False)["revenue_recovered"].sum()
    for record in world.declarations:
        expected = int(Decimal(record.truth.revenue_impact)) if record.truth.fraud else 0
        assert totals[record.document["lrn"]] == expected
    assert set(df.loc[df["fraud"] == 0, "fraud_kind"]) == {""}
    assert df["random_pick"].le(df["inspected"]).all()


def test_csv_and_jsonl_exports_round_trip(tmp_path: Path) -> None:
    world = generate_world(seed=5, days=3, end=pd.Timestamp("2026-11-30").date())
    world.to_csv(tmp_path / "items.csv")
    world.write_jsonl(tmp_path / "declarations.jsonl")
    back = pd.read_csv(tmp_path / "items.csv", dtype={"hs_code": str, "transport_mode": str})
    assert list(back.columns) == COLUMNS and len(back) == len(world.to_flat_frame())
    lines = (tmp_path / "declarations.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(world.declarations)
    for line in lines:
        DeclarationCreate.model_validate(json.loads(line))
