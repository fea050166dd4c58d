"""Loading files through mappings into the canonical frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clearway.risk.ml.data import DataError, load
from clearway.risk.ml.mappings import KCS, NATIVE, get_mapping

KCS_HEADER = ("Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,"
              "Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,"
              "Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud")
KCS_ROWS = ["97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0",
            "34131149,2020-01-02,20,B,11,21,11,10,1HMVIVH,RZ871V1,,,071080,VN,VN,27.0,A,B,24000.0,6364800.0,1,2"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "file.csv"
    path.write_text(text)
    return path


def test_kcs_file_maps_to_canonical_columns_with_utc_dates_and_hs_zeros_kept(tmp_path: Path) -> None:
    frame = load([_write(tmp_path, "\n".join([KCS_HEADER, *KCS_ROWS]))], KCS, with_labels=True)
    assert frame.loc[1, "hs_code"] == "071080"
    assert frame.loc[1, "lodged_at"] == pd.Timestamp("2020-01-02", tz="UTC")
    assert frame.loc[1, "seller_id"] == ""
    assert frame["item_no"].tolist() == [1, 1]
    assert frame["fraud"].tolist() == [0.0, 1.0]


def test_kcs_revenue_is_the_duty_on_the_declared_price_of_frauds(tmp_path: Path) -> None:
    frame = load([_write(tmp_path, "\n".join([KCS_HEADER, *KCS_ROWS]))], KCS, with_labels=True)
    assert frame["revenue_recovered"].tolist() == pytest.approx([0.0, 6364800.0 * 0.27])


def test_without_labels_no_outcome_column_is_loaded(tmp_path: Path) -> None:
    frame = load([_write(tmp_path, "\n".join([KCS_HEADER, *KCS_ROWS]))], KCS, with_labels=False)
    assert "fraud" not in frame and "revenue_recovered" not in frame


def test_native_file_round_trips_and_several_files_concatenate(data_file: Path) -> None:
    frame = load([data_file, data_file], NATIVE, with_labels=True)
    assert len(frame) == 3000
    assert str(frame["lodged_at"].dt.tz) == "UTC"
    assert frame["hs_code"].str.len().eq(8).all()


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="hs_code"):
        load([_write(tmp_path, "declaration_id,lodged_at\nA,2024-01-01T00:00:00Z\n")], NATIVE, with_labels=False)


def test_non_number_is_refused_with_its_row(tmp_path: Path) -> None:
    bad = KCS_ROWS[0].replace("108.0", "heavy")
    with pytest.raises(DataError, match=r"heavy.*row 1"):
        load([_write(tmp_path, "\n".join([KCS_HEADER, bad]))], KCS, with_labels=False)


def test_unknown_mapping_is_refused() -> None:
    with pytest.raises(ValueError, match="kcs"):
        get_mapping("excel")


def test_kcs_serious_fraud_is_critical_fraud_two_only(tmp_path: Path) -> None:
    minor = KCS_ROWS[1].removesuffix(",2") + ",1"  # a fraud KCS ranks 1: found, but not serious
    frame = load([_write(tmp_path, "\n".join([KCS_HEADER, *KCS_ROWS, minor]))], KCS, with_labels=True)
    assert frame["fraud"].tolist() == [0.0, 1.0, 1.0]
    assert frame["critical"].tolist() == [0.0, 1.0, 0.0]


def test_native_finding_without_seriousness_is_serious_from_the_revenue_threshold() -> None:
    from clearway.risk.ml.data import critical_labels
    from clearway.risk.ml.mappings import CRITICAL_REVENUE, NATIVE

    frame = pd.DataFrame({"fraud": [1.0, 1.0, 0.0, None], "revenue_recovered": [CRITICAL_REVENUE, 10.0, 0.0, None]})
    assert critical_labels(frame, NATIVE).tolist()[:3] == [1.0, 0.0, 0.0]
    assert pd.isna(critical_labels(frame, NATIVE).iloc[3])
