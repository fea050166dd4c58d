"""The import graph: no cycle between modules or between domain folders, and no import hidden in a function.

Read from the source with `ast`, so an import inside a function counts like any other (that is how
cycles used to be hidden); imports under `if TYPE_CHECKING:` are for the type checker only and do not.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "clearway"
# Command-line modules may import a heavy part only when its command runs (start-up time of `clearway`).
LAZY_ALLOWED = ("cli.py",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The clearway module an imported name refers to (a module, or the module defining the name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported clearway module, imported inside a function) for each import of the file."""
    found: list[tuple[str, bool]] = []
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other, in_function)
                continue
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                names = [f"{base}.{alias.name}" for alias in child.names] or [base]
            for name in names:
                if name.startswith("clearway"):
                    target = _resolve(name)
                    if target and target != this:
                        found.append((target, in_function))
            visit(child, nested)

    visit(ast.parse(path.read_text("utf-8")), False)
    return found


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _folder(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def strong(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                strong(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            strong(node)
    return result


def test_the_graph_is_read_from_the_source():
    # If parsing silently found nothing, the checks below could not fail.
    assert len(MODULES) > 100
    assert ("clearway.clearance.release", False) in GRAPH["clearway.assembly"]


def test_no_import_cycle_between_modules():
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imports in GRAPH.items():
        for target, _ in imports:
            if not module.startswith(target + "."):  # a module importing its own package's __init__
                edges[module].add(target)
    assert _cycles(edges) == []


def test_no_import_cycle_between_domain_folders():
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imports in GRAPH.items():
        for target, _ in imports:
            if _folder(module) != _folder(target):
                edges[_folder(module)].add(_folder(target))
    assert _cycles(edges) == []


# Flows span domains (bulk lodging runs the clearance flow per row); entry points build the wiring.
FLOWS = ("clearway.clearance", "clearway.bulk")
ENTRY_POINTS = ("clearway.assembly", "clearway.main", "clearway.worker", "clearway.cli", "clearway.demo",
                "clearway.models")  # models: the registry that loads every mapper


def test_domains_never_import_the_flows_or_the_entry_points():
    above = FLOWS + ENTRY_POINTS
    offenders = sorted(f"{module} -> {target}" for module, imports in GRAPH.items() for target, _ in imports
                       if _folder(module) not in above and _folder(target) in above
                       and not (_folder(module) in FLOWS and _folder(target) in FLOWS))
    assert offenders == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_clearway_import_inside_a_function(module):
    if MODULES[module].name in LAZY_ALLOWED:
        pytest.skip("command-line modules load a command's parts when it runs")
    assert [target for target, lazy in GRAPH[module] if lazy] == []


# The layers, lowest first: a folder imports only from its own layer or below. Within a layer the cycle tests
# above keep the order strict. A new folder must be placed here (the test below fails until it is).
LAYERS: tuple[tuple[str, ...], ...] = (
    # kernel: settings, errors, HTTP and transaction helpers every domain may use
    ("config", "errors", "problems", "i18n", "body", "methods", "outbound", "writes", "holds", "db", "jobs",
     "openapi_docs", "downloads", "idempotency", "clikit", "migrate", "handlers", "transport", "locales",
     "partitions"),
    # foundation: audit, identities, pages, reference data, the synthetic world generator
    ("audit", "auth", "deps", "web", "session", "audit_trail", "reference", "synthetic"),
    # the declaration document
    ("declarations",),
    # what follows from a declaration: duty, events to traders, classification, controls, and the valuation and
    # trade-based money-laundering indicators (enforcement) the risk engine reads as rule atoms
    ("tariff", "notifications", "classification", "controls", "enforcement"),
    # targeting
    ("risk",),
    # cooperation and operations, built on targeting and controls
    ("agencies", "exchange", "borderposts", "intelligence", "training", "crisis", "ops"),
    # measurement and publication of everything below
    ("performance", "public"),
    # the flows that span domains
    ("clearance", "bulk"),
    # entry points and the wiring
    ("assembly", "main", "worker", "cli", "demo", "demo_controls", "demo_risk", "models"),
)
LAYER_OF = {f"clearway.{name}": rank for rank, names in enumerate(LAYERS) for name in names}


def test_every_folder_has_a_layer():
    folders = {_folder(module) for module in MODULES} - {"clearway"}  # the package's own __init__
    assert sorted(f for f in folders if f not in LAYER_OF) == []


def test_domains_import_only_downward():
    upward = sorted(f"{module} -> {target}" for module, imports in GRAPH.items() for target, _ in imports
                    if _folder(module) in LAYER_OF and _folder(target) in LAYER_OF
                    and LAYER_OF[_folder(target)] > LAYER_OF[_folder(module)])
    assert upward == []
