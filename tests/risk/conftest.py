"""Synthetic declarations with planted risk signals, and a small model trained on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clearway.risk.ml import bundle as bundles
from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.data import load
from clearway.risk.ml.mappings import NATIVE
from clearway.risk.ml.train import TrainConfig, train

FAST = TrainConfig(rounds=40, params={**TrainConfig().params, "min_data_in_leaf": 10})
COUNTRIES = ["CN", "VN", "DE", "US", "TR", "IN", "KR", "JP"]


def make_declarations(n: int = 1500, days: int = 60, seed: int = 0) -> pd.DataFrame:
    """Native-format items: repeated goods lines (some always irregular) and undervalued items."""
    rng = np.random.default_rng(seed)
    hs = [f"{rng.integers(100000, 970000):06d}" for _ in range(25)]
    usual = {h: rng.uniform(1.0, 6.0) for h in hs}  # log of the usual unit value per kg
    lines = [_item(rng, hs, usual, under=False) for _ in range(250)]
    bad_lines = set(rng.choice(len(lines), 50, replace=False).tolist())
    rows = []
    for i in range(n):
        under = False
        if rng.random() < 0.6:
            k = int(rng.integers(len(lines)))
            item, p = dict(lines[k]), 0.9 if k in bad_lines else 0.05
        else:
            under = rng.random() < 0.2
            item, p = _item(rng, hs, usual, under=under), 0.85 if under else 0.08
        fraud = int(rng.random() < p)
        stamp = pd.Timestamp("2024-01-01T06:00:00Z") + pd.Timedelta(days=int(i * days / n), hours=int(rng.integers(10)))
        rows.append({
            "declaration_id": f"D{i:05d}", "item_no": 1 + int(rng.integers(3)), "lodged_at": stamp.isoformat(),
            "office": f"O{rng.integers(4)}", "declarant_id": f"B{rng.integers(30)}",
            "importer_id": f"I{rng.integers(200)}", "seller_id": f"S{rng.integers(150)}",
            "seller_country": item["origin_country"], "departure_country": item["origin_country"],
            "transport_mode": str(rng.choice(["1", "3", "4"])), "importer_name": f"Importer {i % 97} Ltd",
            **item, "fraud": fraud,
            "revenue_recovered": round(fraud * item["value"] * item["duty_rate"] / 100 * 1.5, 2),
            "critical": int(fraud == 1 and under),  # a deep undervaluation is serious; a known bad line is not
        })
    return pd.DataFrame(rows)


def _item(rng: np.random.Generator, hs: list[str], usual: dict[str, float], *, under: bool) -> dict:
    """One goods item; undervalued items declare a fifth of the usual unit value or less."""
    code = str(rng.choice(hs))
    mass = float(round(rng.uniform(1, 500), 1))
    unit = np.exp(usual[code] + rng.normal(0, 0.2)) * (rng.uniform(0.05, 0.2) if under else 1.0)
    return {"hs_code": code + "00", "origin_country": str(rng.choice(COUNTRIES)), "net_mass_kg": mass,
            "value": round(mass * unit, 2), "duty_rate": float(rng.choice([0.0, 5.0, 8.0])), "duty_type": "MFN"}


@pytest.fixture(scope="session")
def declarations() -> pd.DataFrame:
    """The raw synthetic file contents (native columns, with labels)."""
    return make_declarations()


@pytest.fixture(scope="session")
def data_file(tmp_path_factory: pytest.TempPathFactory, declarations: pd.DataFrame) -> Path:
    """The synthetic declarations written as a native CSV file."""
    path = tmp_path_factory.mktemp("risk") / "declarations.csv"
    declarations.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def frame(data_file: Path) -> pd.DataFrame:
    """The synthetic declarations as a canonical frame with labels."""
    return load([data_file], NATIVE, with_labels=True)


@pytest.fixture(scope="session")
def history(frame: pd.DataFrame) -> pd.DataFrame:
    """The first 45 days: what a model is trained on."""
    return frame[frame["lodged_at"] < pd.Timestamp("2024-02-15", tz="UTC")].reset_index(drop=True)


@pytest.fixture(scope="session")
def recent(frame: pd.DataFrame) -> pd.DataFrame:
    """The last 15 days, without labels: what a model scores."""
    later = frame[frame["lodged_at"] >= pd.Timestamp("2024-02-15", tz="UTC")].reset_index(drop=True)
    return later.drop(columns=["fraud", "revenue_recovered", "critical"])


@pytest.fixture(scope="session")
def model(history: pd.DataFrame) -> Bundle:
    """A small model trained on the history."""
    return train(history, config=FAST, seed=0)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, model: Bundle) -> Path:
    """The small model saved as a bundle directory."""
    return bundles.save(model, tmp_path_factory.mktemp("bundle"))


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows of a canonical frame as score_one records (canonical field names)."""
    return frame.to_dict("records")
