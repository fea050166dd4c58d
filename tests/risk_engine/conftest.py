"""Risk engine fixtures: a fresh engine per test, seeded history, fake control outcomes, a small model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from clearway.risk.engine.live import engine
from tests.factories import document, wiring

UNDERVALUED = {"hs_code": "851713", "origin_country": "CN", "net_mass_kg": "40", "value": "200.00"}
NORMAL = {"hs_code": "851713", "origin_country": "CN", "net_mass_kg": "40", "value": "12000.00"}


@pytest.fixture(autouse=True)
def fresh_engine() -> Iterator[None]:
    """Each test starts with the risk engine (the channel decider) unloaded, and a predictable random source."""
    draw = engine.draw
    engine.snapshot, engine.bind, engine.checked = None, None, 0.0
    engine.draw = lambda: 0.99  # no random pick unless a test asks for one
    yield
    engine.snapshot, engine.bind, engine.draw = None, None, draw


def principal(username: str) -> Any:
    """The authorization facts of a demo user."""
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        return principal_of(user)


def lodge_at(username: str, items: list[tuple[datetime, dict[str, Any]]]) -> list[str]:
    """Lodge documents as a trader at given times (history); returns their MRNs."""
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker

    actor = principal(username)
    party = {"id": actor.organisation_code, "name": "Trader " + actor.organisation_code, "country": "KR"}
    mrns = []
    with get_sessionmaker()() as db, db.begin():
        for at, item in items:
            doc = priced(item, declarant=party, importer=party, buyer=party)
            mrns.append(declaration_lodge(db=db, wiring=wiring(), actor=actor, raw=doc, now=at).mrn)
    return mrns


def priced(item: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A valid document whose single item is changed as given (the invoice total follows)."""
    doc = document(**overrides)
    doc["items"][0].update(item)
    doc["invoice_total"] = doc["items"][0]["value"]
    return doc


def ids_of(mrns: list[str]) -> list[int]:
    """Row ids of declarations by MRN."""
    from clearway.db import get_sessionmaker
    from clearway.risk.engine import stored

    with get_sessionmaker()() as db:
        return [int(stored.declaration_id_of(db=db, mrn=m) or 0) for m in mrns]


@pytest.fixture
def fake_controls(monkeypatch: pytest.MonkeyPatch) -> dict[int, dict[str, Any]]:
    """Control outcomes as the risk engine reads them: tests fill {declaration id: {fraud_found, revenue_raised}}."""
    from clearway.risk.engine import outcomes as reader

    outcomes: dict[int, dict[str, Any]] = {}

    def control_outcomes(*, db: Any, declaration_ids: list[int]) -> dict[int, dict[str, Any]]:
        return {i: outcomes[i] for i in declaration_ids if i in outcomes}

    monkeypatch.setattr(reader, "control_outcomes", control_outcomes)
    return outcomes


def training_frame(n: int = 1200, days: int = 60, seed: int = 1) -> pd.DataFrame:
    """Native-format items like the demo documents: undervalued smartphones are mostly irregular."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    rows = []
    for i in range(n):
        under = rng.random() < 0.25
        mass = float(round(rng.uniform(5, 80), 1))
        unit = rng.uniform(2, 8) if under else rng.uniform(250, 350)
        fraud = int(rng.random() < (0.8 if under else 0.05))
        rows.append({
            "declaration_id": f"H{i:05d}", "item_no": 1,
            "lodged_at": (start + timedelta(days=i * days / n)).isoformat(), "office": "KR0101",
            "declarant_id": f"KR10000000{rng.integers(10, 40)}", "importer_id": f"I{rng.integers(60)}",
            "seller_id": f"S{rng.integers(40)}", "seller_country": "CN", "departure_country": "CN",
            "transport_mode": "4", "hs_code": str(rng.choice(["851713", "847130", "850760"])),
            "origin_country": str(rng.choice(["CN", "VN"])),
            "net_mass_kg": mass, "value": round(mass * unit, 2), "duty_rate": 8.0, "duty_type": "",
            "fraud": fraud, "revenue_recovered": round(fraud * mass * unit * 0.08, 2),
        })
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models directory holding one small trained bundle under 'small/'."""
    from clearway.risk.ml import bundle as bundles
    from clearway.risk.ml.data import load
    from clearway.risk.ml.mappings import NATIVE
    from clearway.risk.ml.train import TrainConfig, train

    root = tmp_path_factory.mktemp("models")
    csv = root / "history.csv"
    training_frame().to_csv(csv, index=False)
    frame = load([csv], NATIVE, with_labels=True)
    config = TrainConfig(rounds=30, params={**TrainConfig().params, "min_data_in_leaf": 10})
    bundles.save(train(frame, config=config, seed=0), root / "small")
    return root


@pytest.fixture
def models_env(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CLEARWAY_RISK_MODELS_DIR pointing at the small bundle's directory."""
    monkeypatch.setenv("CLEARWAY_RISK_MODELS_DIR", str(models_dir))
    return models_dir
