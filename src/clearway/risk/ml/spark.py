"""Batch features and scores on Spark, through the very functions the API and `clearway risk` use.

Each Spark task hands its rows, as a pandas frame, to `features.build_features` or
`predict.score_batch` (`mapInPandas`), with the bundle loaded once per Python worker from the
bundle directory. No feature is re-expressed in Spark SQL: a feature changed in `features.py`
changes here too, and the bundle's schema hash still refuses a model built by other feature code.
Features depend only on a row and the bundle's fitted history, never on the other rows of a batch,
so how Spark splits the rows does not change a number.

Local mode (`local[N]`, N Python workers) runs on one machine with OpenJDK; the same functions run
unchanged on a cluster when the bundle directory is on storage every executor reads.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from clearway.risk.ml import bundle as bundles
from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.features import FEATURE_NAMES, build_features
from clearway.risk.ml.mappings import CANONICAL_NUMBERS, CANONICAL_TEXT
from clearway.risk.ml.predict import score_batch

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SCORE_SCHEMA = ("declaration_id string, item_no bigint, score double, critical_score double, "
                "expected_revenue double")
FEATURE_SCHEMA = ", ".join(["declaration_id string", "item_no bigint", *(f"`{n}` double" for n in FEATURE_NAMES)])
# The canonical input columns: what `data.canonical` produces and what a Parquet export must hold.
INPUT_SCHEMA = ", ".join([*(f"{c} string" for c in CANONICAL_TEXT), "lodged_at timestamp",
                          *(f"{c} double" for c in CANONICAL_NUMBERS)])
ROWS_PER_BATCH = 50_000  # rows per pandas frame handed to a worker: large enough that per-call costs vanish

Frames = Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]  # what mapInPandas runs
_bundles: dict[str, tuple[float, Bundle]] = {}
_lock = threading.Lock()


def session(workers: int = 1, *, memory: str = "2g", split: str = "4m", app: str = "clearway-batch") -> SparkSession:
    """A local Spark session with `workers` Python workers, UTC, Arrow transfers and one thread each.

    `split` is the most Parquet bytes one task reads: scoring costs about 2.5 s of CPU per MB of canonical
    items, so Spark's default (128 MB) would leave one worker busy long after the others are done.
    """
    from pyspark.sql import SparkSession

    # Workers must import the same clearway as this process (a source checkout, not only an install).
    source = str(Path(__file__).resolve().parents[3])
    path = [source, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != source]]
    os.environ["PYTHONPATH"] = os.pathsep.join(path)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(f"local[{workers}]").appName(app)
               .config("spark.driver.memory", memory)
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(ROWS_PER_BATCH))
               .config("spark.sql.files.maxPartitionBytes", split)
               .config("spark.sql.shuffle.partitions", str(workers))
               .config("spark.default.parallelism", str(workers))
               .config("spark.python.worker.reuse", "true")
               .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
               # One OpenMP thread per worker: N workers use N cores, not N × cores.
               .config("spark.executorEnv.OMP_NUM_THREADS", "1"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def worker_bundle(directory: str) -> Bundle:
    """The bundle of a directory, loaded once per Python worker and reloaded when its card changes."""
    stamp = (Path(directory) / bundles.CARD_FILE).stat().st_mtime
    with _lock:
        cached = _bundles.get(directory)
        if cached is None or cached[0] != stamp:
            cached = _bundles[directory] = (stamp, bundles.load(directory))
    return cached[1]


def _canonical(part: pd.DataFrame) -> pd.DataFrame:
    """A Spark-delivered frame as the canonical frame the ML core reads (UTC-aware lodgement times)."""
    stamps = pd.to_datetime(part["lodged_at"])
    if stamps.dt.tz is None:  # the session runs in UTC, so Arrow delivers UTC wall times without a zone
        stamps = stamps.dt.tz_localize("UTC")
    return part.assign(lodged_at=stamps)


def _scores(directory: str) -> Frames:
    """The mapInPandas function that scores each frame with `score_batch`."""
    def run(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        bundle = worker_bundle(directory)
        for part in parts:
            if len(part):
                yield score_batch(_canonical(part), bundle)
    return run


def _features(directory: str) -> Frames:
    """The mapInPandas function that features each frame with `build_features`."""
    def run(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        state = worker_bundle(directory).state
        for part in parts:
            if len(part):
                x = build_features(_canonical(part), state)
                out = pd.DataFrame(x, columns=FEATURE_NAMES)
                out.insert(0, "item_no", part["item_no"].astype("Int64").to_numpy())
                out.insert(0, "declaration_id", part["declaration_id"].to_numpy())
                yield out
    return run


def score(frame: DataFrame, bundle_dir: str | Path) -> DataFrame:
    """Scores of every row of a Spark frame of canonical declarations items (see INPUT_SCHEMA)."""
    directory = str(Path(bundle_dir).resolve())
    bundles.load(directory)  # refuse a damaged or stale bundle here, not in the middle of a job
    return frame.mapInPandas(_scores(directory), SCORE_SCHEMA)


def features(frame: DataFrame, bundle_dir: str | Path) -> DataFrame:
    """The feature matrix (declaration_id, item_no, FEATURE_NAMES) of every row of a Spark frame."""
    directory = str(Path(bundle_dir).resolve())
    bundles.load(directory)
    return frame.mapInPandas(_features(directory), FEATURE_SCHEMA)


def from_pandas(spark: SparkSession, frame: pd.DataFrame, partitions: int | None = None) -> DataFrame:
    """A canonical pandas frame as a Spark frame with the canonical schema (extra columns dropped)."""
    columns = [*CANONICAL_TEXT, "lodged_at", *CANONICAL_NUMBERS]
    data = frame[columns].copy()
    for col in CANONICAL_NUMBERS:
        data[col] = data[col].astype(np.float64)
    out = spark.createDataFrame(data, schema=INPUT_SCHEMA)
    return out.repartition(partitions) if partitions else out


def main(argv: list[str] | None = None) -> int:
    """Score a Parquet file (or directory) of canonical items into a Parquet directory."""
    parser = argparse.ArgumentParser(prog="python -m clearway.risk.ml.spark", description=main.__doc__)
    parser.add_argument("bundle", help="model bundle directory")
    parser.add_argument("input", help="Parquet file or directory with the canonical columns")
    parser.add_argument("output", help="Parquet directory to write the scores to")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--features", action="store_true", help="write the feature matrix instead of scores")
    args = parser.parse_args(argv)
    spark = session(args.workers)
    try:
        frame = spark.read.parquet(args.input)
        out = features(frame, args.bundle) if args.features else score(frame, args.bundle)
        out.write.mode("overwrite").parquet(args.output)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
