"""Trader networks (networkx): shared attributes between firms, circular flows, phantom shipments, newcomers.

`shared_attribute_leads(parties)` links firms that share an address, phone, payment reference,
declarant or means of transport; a connected group of otherwise unrelated firms is a lead ranked
by how many attributes tie it. `circular_leads(flows)` finds cycles of trade across borders
(A → B → A, carousels A → B → C → A) in a directed graph of exporter → importer flows.
`phantom_leads(declared, arrived)` lists declarations that never arrived or never exited.
Each lead carries a score and a plain explanation, for an analyst to accept into a case.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

ATTRIBUTES = ("address", "phone", "payment_ref", "declarant", "transport")
MAX_CYCLE = 4  # carousels longer than this are rare and costly to enumerate


@dataclass(frozen=True)
class Lead:
    """A ranked, explained finding for an analyst."""

    kind: str  # "shared_attributes" | "circular" | "phantom" | "newcomer"
    parties: tuple[str, ...]
    score: float
    explanation: str
    evidence: dict[str, list[str]] = field(default_factory=dict)


def shared_attribute_leads(parties: Iterable[Mapping[str, str]], *, min_firms: int = 2) -> list[Lead]:
    """Groups of firms tied by shared attributes (address, phone, payment reference...), ranked by ties."""
    graph = nx.Graph()
    for party in parties:
        firm = f"firm:{party['id']}"
        graph.add_node(firm, kind="firm")
        for attr in ATTRIBUTES:
            if value := (party.get(attr) or "").strip().lower():
                graph.add_edge(firm, f"{attr}:{value}")
    leads = []
    for component in nx.connected_components(graph):
        firms = sorted(n.removeprefix("firm:") for n in component if n.startswith("firm:"))
        if len(firms) < min_firms:
            continue
        shared = sorted(n for n in component if not n.startswith("firm:") and graph.degree(n) >= 2)
        evidence: dict[str, list[str]] = {}
        for node in shared:
            attr, _, value = node.partition(":")
            evidence.setdefault(attr, []).append(value)
        score = float(len(shared) * len(firms))
        leads.append(Lead("shared_attributes", tuple(firms), score,
                          f"{len(firms)} firms share {len(shared)} attributes: {', '.join(sorted(evidence))}",
                          evidence))
    return sorted(leads, key=lambda lead: -lead.score)


def circular_leads(flows: Iterable[tuple[str, str, float]], *, max_length: int = MAX_CYCLE) -> list[Lead]:
    """Cycles of trade between firms (round-tripping, carousels), ranked by the smallest value along them.

    Bounded for a national year of flows: only firms inside a strongly connected component of size two or
    more can be on a cycle (linear-time, scipy), and each cycle of at most `max_length` firms is enumerated
    once, from its smallest firm, closing on that firm's buyers-from set instead of searching one more leg.
    """
    names: dict[str, int] = {}
    value: dict[tuple[int, int], float] = {}
    for seller, buyer, amount in flows:
        a, b = names.setdefault(seller, len(names)), names.setdefault(buyer, len(names))
        if a != b:
            value[(a, b)] = value.get((a, b), 0.0) + amount
    if not value:
        return []
    edges = np.fromiter((x for pair in value for x in pair), np.int64, 2 * len(value)).reshape(-1, 2)
    n = len(names)
    graph = sparse.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, component = csgraph.connected_components(graph, directed=True, connection="strong")
    size = np.bincount(component)
    inside = size[component[edges[:, 0]]] >= 2
    same = component[edges[:, 0]] == component[edges[:, 1]]
    succ: dict[int, list[int]] = {}
    pred: dict[int, set[int]] = {}
    for a, b in edges[inside & same].tolist():
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, set()).add(a)
    label = {i: name for name, i in names.items()}
    leads = []
    for cycle in _bounded_cycles(succ, pred, max_length):
        legs = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        through = min(value[leg] for leg in legs)
        firms = tuple(label[i] for i in cycle)
        kind = "round-trip" if len(cycle) == 2 else "carousel"
        leads.append(Lead("circular", firms, through,
                          f"{kind} of {len(cycle)} firms, at least {through:,.0f} moved round",
                          {"legs": [f"{label[a]}->{label[b]}" for a, b in legs]}))
    return sorted(leads, key=lambda lead: -lead.score)


def _bounded_cycles(succ: dict[int, list[int]], pred: dict[int, set[int]], max_length: int) -> Iterator[list[int]]:
    """Each simple cycle of 2..max_length nodes once, starting from its smallest node."""
    for start in sorted(succ):
        closers = {p for p in pred.get(start, ()) if p > start}  # who sells back to `start`
        if not closers:
            continue
        path = [start]
        stack = [iter(succ[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                path.pop()
                continue
            if nxt <= start or nxt in path:
                continue
            if nxt in closers:
                yield [*path, nxt]
            if len(path) + 1 < max_length:
                path.append(nxt)
                stack.append(iter(succ.get(nxt, ())))


def phantom_leads(declared: Mapping[str, float], arrived: Iterable[str]) -> list[Lead]:
    """Declarations (id → value) with no matching arrival or exit record, largest first."""
    seen = set(arrived)
    return sorted((Lead("phantom", (ref,), value, f"declared worth {value:,.0f}, never arrived or exited")
                   for ref, value in declared.items() if ref not in seen), key=lambda lead: -lead.score)


def party_components(edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Component number of each party in an undirected trade graph (used to spread suspicion over a ring)."""
    graph = nx.Graph()
    graph.add_edges_from(edges)
    return {node: i for i, comp in enumerate(nx.connected_components(graph)) for node in comp}
