"""The learning loop: stored declarations plus control findings become a candidate model.

Only controlled declarations carry labels (`fraud` 1/0 from the control outcome); every other
declaration still feeds the entity and goods histories unlabelled, exactly as the native flat
export of `clearway.risk.ml.mappings` describes. The candidate is written under the models directory
and registered (status "registered"): an analyst shadows and promotes it from the risk pages.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls.outcomes import control_outcomes
from clearway.declarations.exercises import exercise_ids
from clearway.declarations.models import Declaration
from clearway.risk.ml import bundle as bundles
from clearway.risk.ml import train
from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.data import load
from clearway.risk.ml.inputs import model_records, national_rate, valuations_stored
from clearway.risk.ml.mappings import NATIVE
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.registry import model_register
from clearway.risk.ml.scoring import models_root
from clearway.risk.models import RiskModel


def _labels(db: Session) -> dict[int, tuple[int, float, bool]]:
    """Declaration id -> (fraud found, revenue raised, picked by the random sample), training projections left out
    (an officer's check of a planted test declaration says nothing about real traders)."""
    projected = exercise_ids(db)
    return {o.declaration_id: (int(o.fraud_found), float(o.revenue_raised), o.random_pick)
            for o in control_outcomes(db=db) if o.declaration_id not in projected}


def _wilson(hits: float, n: int, z: float = 1.96) -> tuple[float, float]:
    centre = (hits + z * z / 2) / (n + z * z)
    half = z * math.sqrt(hits * (n - hits) / n + z * z / 4) / (n + z * z)
    return max(0.0, centre - half), min(1.0, centre + half)


def random_sample_check(frame: pd.DataFrame, model: Bundle, random_ids: set[str]) -> dict[str, Any]:
    """Selection-bias-free figures from random-sample controls only: the fraud rate with its
    Wilson 95 % interval, and the model's precision among the random picks it ranks in its top 10 %
    (targeted controls over-represent what earlier selection looked for, so they cannot say this)."""
    picked = frame[frame["declaration_id"].isin(random_ids) & frame["fraud"].notna()]
    found = picked.groupby("declaration_id")["fraud"].max()
    n = len(found)
    if n == 0:
        return {"random_controls": 0}
    scores = score_batch(picked, model).groupby("declaration_id")["score"].max()
    top = scores.sort_values(ascending=False).head(max(1, round(0.10 * n)))
    low, high = _wilson(float(found.sum()), n)
    return {"random_controls": n, "fraud_rate": float(found.mean()), "fraud_rate_wilson95": [low, high],
            "precision_top10pct_of_random": float(found.loc[top.index].mean())}


def training_rows(*, db: Session, declarations: list[Declaration],
                  labels: dict[int, tuple[int, float, bool]]) -> list[dict[str, Any]]:
    """The model's rows of stored declarations (the one input builder), with their labels where known."""
    valuations = valuations_stored(db=db, declaration_ids=[d.id for d in declarations])
    rows: list[dict[str, Any]] = []
    for d in declarations:
        valuation = valuations.get(d.id)
        rate = None if valuation else national_rate(db, d.currency, d.lodged_at)
        label = labels.get(d.id)
        for record in model_records(d.document, reference=d.mrn, declarant=d.declarant_id, lodged_at=d.lodged_at,
                                    valuation=valuation, rate=rate):
            rows.append({**record, "fraud": label[0] if label else None,
                         "revenue_recovered": label[1] if label else None})
    return rows


def training_frame(*, db: Session, since: datetime | None = None,
                   labels: dict[int, tuple[int, float, bool]] | None = None) -> pd.DataFrame:
    """Every stored declaration's items in the native flat format, labelled where a control finished
    (`labels`: the finished controls' labels, when the caller has read them already)."""
    labels = _labels(db) if labels is None else labels
    query = select(Declaration).order_by(Declaration.lodged_at)
    if since is not None:
        query = query.where(Declaration.lodged_at >= since)
    return pd.DataFrame(training_rows(db=db, declarations=list(db.scalars(query)), labels=labels))


def retrain(*, db: Session, actor: Principal, name: str, now: datetime, since: datetime | None = None,
            seed: int = 0) -> RiskModel:
    """Train a candidate on the stored history and register it (not promoted)."""
    out = models_root() / name
    out.mkdir(parents=True, exist_ok=True)
    exported = out / "training.csv"
    labels = _labels(db)  # read once: the training labels and the random-sample check use the same controls
    training_frame(db=db, since=since, labels=labels).to_csv(exported, index=False)
    frame = load([exported], NATIVE, with_labels=True)  # the same loader as `clearway risk train`
    model = train.train(frame, seed=seed, provenance={"mapping": "native", "sources": ["database"]})
    random_ids = set(db.scalars(select(Declaration.mrn).where(
        Declaration.id.in_([i for i, label in labels.items() if label[2]]))))
    model.card["random_sample"] = random_sample_check(frame, model, random_ids)
    bundles.save(model, out)
    return model_register(db=db, actor=actor, path=str(Path(name)), now=now)
