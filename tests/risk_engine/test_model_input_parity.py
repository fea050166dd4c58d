"""One model input: the row the live model scores at lodging equals the row retraining learns from."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import select

from clearway.db import get_sessionmaker
from clearway.declarations.models import Declaration
from clearway.risk.ml.retrain import training_rows
from clearway.risk.ml.scoring import ModelSlot
from tests.factories import auth
from tests.tariff_flow.conftest import SHIRTS, declaration_with, tariff  # noqa: F401

COMPARED = ("office", "declarant_id", "importer_id", "seller_id", "seller_country", "departure_country",
            "transport_mode", "procedure", "item_no", "hs_code", "origin_country", "net_mass_kg", "value", "duty_rate",
            "duty_type", "origin_indicator")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-12)
    return bool(a == b)


@pytest.mark.usefixtures("tariff")
def test_the_serving_row_equals_the_training_row_of_the_same_declaration(client, models_env, monkeypatch):
    analyst = auth(client, "analyst")
    mid = client.post("/api/v1/risk/models", json={"path": "small"}, headers=analyst).json()["id"]
    client.post(f"/api/v1/risk/models/{mid}/shadow", headers=analyst)
    assert client.post(f"/api/v1/risk/models/{mid}/promote", headers=analyst).status_code == 200
    served: list[list[dict[str, Any]]] = []
    original = ModelSlot.assess

    def spy(self: ModelSlot, records: list[dict[str, Any]]) -> Any:
        served.append([dict(r) for r in records])
        return original(self, records)

    monkeypatch.setattr(ModelSlot, "assess", spy)
    doc = declaration_with({}, SHIRTS)  # two items: smartphones (0 % duty) and T-shirts (13 % duty)
    lodged = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert lodged.status_code == 201, lodged.text
    assert served, "the promoted model did not score the lodgement"
    live = served[-1]
    with get_sessionmaker()() as db:
        stored = db.scalar(select(Declaration).where(Declaration.mrn == lodged.json()["mrn"]))
        trained = training_rows(db=db, declarations=[stored], labels={})
    assert len(live) == len(trained) == 2
    for serving, training in zip(live, trained, strict=True):
        assert {k: serving[k] for k in COMPARED if not _same(serving[k], training[k])} == {}
    # the bill reached the model: national customs value and the duty rate charged, not the invoice figures
    assert trained[1]["value"] == pytest.approx(1371500.0) and trained[1]["duty_rate"] == pytest.approx(13.0)
    assert trained[0]["duty_rate"] == 0.0
