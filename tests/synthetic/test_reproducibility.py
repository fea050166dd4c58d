"""Same seed, same world, byte for byte; another seed, another world."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from clearway.synthetic import World, generate_world

END = date(2026, 11, 30)
DIGEST = """
import hashlib, sys, tempfile, pathlib
from datetime import date
from clearway.synthetic import generate_world
world = generate_world(seed=11, days=5, end=date(2026, 11, 30))
folder = pathlib.Path(tempfile.mkdtemp())
world.to_csv(folder / "w.csv")
world.write_jsonl(folder / "w.jsonl")
print(hashlib.sha256((folder / "w.csv").read_bytes() + (folder / "w.jsonl").read_bytes()).hexdigest())
"""


def _exports(world: World, folder: Path) -> bytes:
    folder.mkdir()
    world.to_csv(folder / "w.csv")
    world.write_jsonl(folder / "w.jsonl")
    return (folder / "w.csv").read_bytes() + (folder / "w.jsonl").read_bytes()


def test_same_seed_gives_byte_identical_exports(tmp_path: Path) -> None:
    first = _exports(generate_world(seed=3, days=10, end=END), tmp_path / "a")
    second = _exports(generate_world(seed=3, days=10, end=END), tmp_path / "b")
    assert first == second


def test_a_different_seed_gives_a_different_world(tmp_path: Path) -> None:
    first = generate_world(seed=3, days=10, end=END)
    other = generate_world(seed=4, days=10, end=END)
    assert _exports(first, tmp_path / "a") != _exports(other, tmp_path / "b")
    assert [g.origins for g in first.goods] != [g.origins for g in other.goods]


def test_output_does_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-c", DIGEST], env=env, capture_output=True, text=True, check=True)
        digests.add(result.stdout.strip())
    here = hashlib.sha256(_exports(generate_world(seed=11, days=5, end=END), tmp_path / "w")).hexdigest()
    assert digests == {here}
