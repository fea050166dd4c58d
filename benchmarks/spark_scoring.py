"""Batch scoring throughput: in-process `score_batch` next to Spark (local mode) with 1 and 2 workers, same run.

One model (production parameters: 200 rounds, 15 leaves) is trained on synthetic declarations with planted
risk signals; the items to score are those declarations repeated under new ids and spread over 30 more days,
written once as a Parquet directory. Every engine reads that directory, features and scores every item with
the ML core's `build_features`/`score_batch`, and keeps the scores (Spark: the `noop` sink, which runs the
whole plan without writing; in-process: file by file, as a batch job that does not hold 10 M items in memory).
Each process is held to one OpenMP thread per worker, so "1 worker" and "in-process" both use one core.
Spark's figure excludes starting the JVM and the Python workers (a warm-up on 1,000 items per worker),
which is printed on its own. The Spark scores of the first file are
compared with the in-process ones (they must be identical).
Targets (issue 23): Spark within 2× of in-process per core; 2 workers ≥ 1.6× one worker (linear within 20 %).
Usage: python benchmarks/spark_scoring.py [--items 300000] [--workers 1,2] [--keep DIR]
       python benchmarks/spark_scoring.py --items 10000000   # the big size (≈ 0.2 GB of Parquet; ≈ 10 minutes or more)
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"  # before LightGBM loads: in-process uses one core, like one Spark worker
# Spark's Python workers inherit this: PySpark 4.3 warns once per worker about pandas 3, which works here.
os.environ["PYTHONWARNINGS"] = "ignore:PySpark does not yet fully support pandas:FutureWarning"

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.risk.conftest import make_declarations  # noqa: E402

from clearway.risk.ml import bundle as bundles  # noqa: E402
from clearway.risk.ml import spark as batch  # noqa: E402
from clearway.risk.ml.data import canonical  # noqa: E402
from clearway.risk.ml.mappings import CANONICAL_NUMBERS, CANONICAL_TEXT, NATIVE  # noqa: E402
from clearway.risk.ml.predict import score_batch  # noqa: E402
from clearway.risk.ml.train import TrainConfig, train  # noqa: E402

COLUMNS = [*CANONICAL_TEXT, "lodged_at", *CANONICAL_NUMBERS]
FILE_ROWS = 250_000  # items per Parquet file: the in-process job's step and Spark's natural split


def _base(n: int) -> pd.DataFrame:
    """Synthetic declarations as a canonical frame with labels."""
    raw = make_declarations(n=n, days=90, seed=11).astype(str)
    return canonical(raw, NATIVE, with_labels=True)


def _write_items(pool: pd.DataFrame, items: int, out: Path) -> int:
    """`items` rows drawn from `pool` under fresh ids, as Parquet files of FILE_ROWS rows; returns the file count."""
    rng = np.random.default_rng(5)
    out.mkdir(parents=True)
    files = 0
    for start in range(0, items, FILE_ROWS):
        n = min(FILE_ROWS, items - start)
        part = pool.iloc[rng.integers(len(pool), size=n)][COLUMNS].reset_index(drop=True)
        part["declaration_id"] = "B" + pd.Series(np.arange(start, start + n)).astype(str)
        part["lodged_at"] = part["lodged_at"] + pd.to_timedelta(rng.integers(0, 30, size=n), unit="D")
        part.to_parquet(out / f"part-{files:05d}.parquet", index=False, row_group_size=50_000)
        files += 1
    return files


def _in_process(items_dir: Path, model_dir: Path) -> tuple[float, int, pd.DataFrame]:
    """Seconds, items scored and the first file's scores, reading and scoring file by file."""
    bundle = bundles.load(model_dir)
    first, n = None, 0
    start = time.perf_counter()
    for path in sorted(items_dir.glob("*.parquet")):
        scores = score_batch(pd.read_parquet(path), bundle)
        n += len(scores)
        if first is None:
            first = scores
    assert first is not None
    return time.perf_counter() - start, n, first


def _spark(items_dir: Path, model_dir: Path, workers: int) -> tuple[float, float, pd.DataFrame]:
    """JVM and worker start seconds, scoring seconds and the first file's scores, with `workers` Python workers."""
    started = time.perf_counter()
    spark = batch.session(workers, memory="2g", split="1m")  # tasks of ≈ 50,000 items
    try:
        frame = spark.read.parquet(str(items_dir))
        # Start every Python worker and load the bundle in each before timing, as a long job amortises them.
        batch.score(frame.limit(1000 * workers).repartition(workers), model_dir).write.format("noop") \
            .mode("overwrite").save()
        jvm = time.perf_counter() - started
        start = time.perf_counter()
        batch.score(frame, model_dir).write.format("noop").mode("overwrite").save()
        seconds = time.perf_counter() - start
        first = batch.score(spark.read.parquet(str(items_dir / "part-00000.parquet")), model_dir).toPandas()
    finally:
        spark.stop()
    return jvm, seconds, first


def _spark_child(work: Path, workers: int) -> tuple[float, float, pd.DataFrame]:
    """`_spark` in a fresh process, so that no engine runs on a JVM another one warmed up."""
    out = work / f"spark-{workers}.parquet"
    subprocess.run([sys.executable, __file__, "--child", str(workers), "--keep", str(work)], check=True)
    first = pd.read_parquet(out)
    times = json.loads((work / f"spark-{workers}.json").read_text())
    return times["jvm"], times["seconds"], first


def main() -> None:
    """Print items/s for each engine, and the ratios the targets are about."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=300_000)
    parser.add_argument("--workers", default="1,2", help="Spark worker counts, comma-separated")
    parser.add_argument("--train", type=int, default=20_000, help="synthetic declarations in the model's history")
    parser.add_argument("--keep", type=Path, help="directory to keep the model and Parquet items in")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # internal: one Spark run in --keep
    args = parser.parse_args()
    if args.child:
        jvm, seconds, first = _spark(args.keep / "items", args.keep / "model", args.child)
        first.to_parquet(args.keep / f"spark-{args.child}.parquet")
        (args.keep / f"spark-{args.child}.json").write_text(json.dumps({"jvm": jvm, "seconds": seconds}))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="clearway-spark-bench-"))
    try:
        t = time.perf_counter()
        pool = _base(args.train)
        model = train(pool, config=TrainConfig(validate=False), seed=0)
        model_dir = bundles.save(model, work / "model")
        print(f"model: {model.booster.num_trees()} trees trained on {len(pool):,} items in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        files = _write_items(pool.drop(columns=["fraud", "revenue_recovered", "critical"]), args.items,
                             work / "items")
        size = sum(p.stat().st_size for p in (work / "items").glob("*.parquet"))
        print(f"items: {args.items:,} in {files} Parquet files ({size / 1e6:.0f} MB), written in "
              f"{time.perf_counter() - t:.1f} s; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

        seconds, n, reference = _in_process(work / "items", model_dir)
        base = n / seconds
        print(f"in-process (score_batch, 1 thread): {n:,} items in {seconds:.1f} s = {base:,.0f} items/s")
        rates: dict[int, float] = {}
        for workers in (int(w) for w in args.workers.split(",")):
            jvm, seconds, first = _spark_child(work, workers)
            rates[workers] = args.items / seconds
            same = first.set_index("declaration_id").loc[reference["declaration_id"], "score"].to_numpy()
            identical = bool(np.array_equal(same, reference["score"].to_numpy()))
            print(f"spark local[{workers}]: {args.items:,} items in {seconds:.1f} s = {rates[workers]:,.0f} items/s "
                  f"({rates[workers] / workers / base:.2f}× in-process per core; JVM start {jvm:.1f} s; "
                  f"scores identical to in-process: {identical}); load average {os.getloadavg()[0]:.2f}")
        if 1 in rates and 2 in rates:
            print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}× (target ≥ 1.6×; the host has "
                  f"{os.cpu_count()} cores, shared)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
