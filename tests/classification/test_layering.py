"""Classification sits below the risk engine: it may not import risk, the flows or the entry points."""

from __future__ import annotations

import ast
from pathlib import Path

import clearway.classification

ABOVE = ("clearway.risk", "clearway.clearance", "clearway.assembly", "clearway.main", "clearway.worker",
         "clearway.session", "clearway.cli", "clearway.web.views")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_classification_imports_nothing_above_it() -> None:
    folder = Path(clearway.classification.__file__).parent
    offending = {(p.name, m) for p in folder.glob("*.py") for m in _imports(p) if m.startswith(ABOVE)}
    assert offending == set()


def test_what_the_risk_engine_reads_needs_no_database_and_no_tariff() -> None:
    # The risk facts import classification.selectors: it must stay a pure function of the model.
    folder = Path(clearway.classification.__file__).parent
    reachable, todo = set(), ["selectors"]
    while todo:
        name = todo.pop()
        if name in reachable:
            continue
        reachable.add(name)
        for module in _imports(folder / f"{name}.py"):
            if module.startswith("clearway.classification."):
                todo.append(module.rsplit(".", 1)[1])
            assert not module.startswith(("clearway.tariff", "clearway.declarations", "sqlalchemy")), (name, module)
    assert {"selectors", "suggest", "model", "bundle"} <= reachable
