"""Small-cell suppression for published tables, so that no single trader can be inferred.

The table is a two-way table (e.g. office × transport mode) with its margins: row totals,
column totals and the grand total are cells too (key ALL), and every row and every column of
that extended table is an additive relation (the cells add up to the margin).

Primary suppression: a cell is withheld when it counts fewer than `threshold` declarations
(zero included), or when one declarant lodged more than `dominance` of its declarations.

Secondary suppression: a withheld cell could be recovered from a margin by subtraction. Think
of rows and columns as nodes and withheld cells as edges: a withheld value is determined by
the published ones exactly when its edge lies on no cycle. So cells are withheld until no row
or column has a single withheld cell and no withheld cell is a bridge, each time choosing the
smallest published cell that closes a cycle. Exact recovery is then impossible (the tests
check it with linear algebra); intervals can still be bounded, which the threshold covers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

ALL = "*"
Key = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class CellFacts:
    """What suppression needs to know about a cell: its declarations and its largest declarant's."""

    count: int
    top: int = 0

    def sensitive(self, threshold: int, dominance: float) -> bool:
        """True when the cell must be withheld on its own (primary suppression)."""
        return self.count < threshold or (self.count > 0 and self.top > dominance * self.count)


def _lines(cells: dict[Key, CellFacts]) -> dict[tuple[str, Hashable], list[Key]]:
    lines: dict[tuple[str, Hashable], list[Key]] = defaultdict(list)
    for key in cells:
        lines[("row", key[0])].append(key)
        lines[("col", key[1])].append(key)
    return lines


def _component(start: tuple[str, Hashable], edges: set[Key], skip: Key) -> set[tuple[str, Hashable]]:
    seen, todo = {start}, [start]
    while todo:
        side, value = todo.pop()
        for row, col in edges:
            if (row, col) == skip or (side == "row" and row != value) or (side == "col" and col != value):
                continue
            other = ("col", col) if side == "row" else ("row", row)
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def _cheapest(cells: dict[Key, CellFacts], options: list[Key]) -> Key | None:
    return min(options, key=lambda k: (cells[k].count, str(k)), default=None)


def _lonely(cells: dict[Key, CellFacts], hidden: set[Key]) -> Key | None:
    """A published cell to withhold because some row or column has exactly one withheld cell."""
    for members in _lines(cells).values():
        if sum(k in hidden for k in members) == 1:
            choice = _cheapest(cells, [k for k in members if k not in hidden])
            if choice is not None:
                return choice
    return None


def _bridge(cells: dict[Key, CellFacts], hidden: set[Key]) -> Key | None:
    """A published cell that puts a withheld bridge cell on a cycle."""
    for edge in sorted(hidden, key=str):
        side = _component(("row", edge[0]), hidden, skip=edge)
        if ("col", edge[1]) in side:
            continue
        other = _component(("col", edge[1]), hidden, skip=edge)
        options = [k for k in cells if k not in hidden and
                   ((("row", k[0]) in side and ("col", k[1]) in other) or
                    (("row", k[0]) in other and ("col", k[1]) in side))]
        choice = _cheapest(cells, options)
        if choice is not None:
            return choice
    return None


def suppress(cells: dict[Key, CellFacts], *, threshold: int, dominance: float) -> tuple[set[Key], set[Key]]:
    """The primary and the full (primary + secondary) sets of withheld cells of an extended two-way table."""
    primary = {k for k, facts in cells.items() if facts.sensitive(threshold, dominance)}
    hidden = set(primary)
    while (extra := _lonely(cells, hidden) or _bridge(cells, hidden)) is not None:
        hidden.add(extra)
    return primary, hidden


def extended_table(counts: dict[tuple[Hashable, Hashable, str], int]) -> dict[Key, CellFacts]:
    """Cells and margins of a two-way table from declarations per (row, column, declarant); empty cells count 0."""
    if not counts:
        return {}
    totals: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows, cols = {r for r, _, _ in counts}, {c for _, c, _ in counts}
    for (row, col, declarant), n in counts.items():
        for key in ((row, col), (row, ALL), (ALL, col), (ALL, ALL)):
            totals[key][declarant] += n
    keys = [(r, c) for r in (*sorted(rows, key=str), ALL) for c in (*sorted(cols, key=str), ALL)]
    return {k: CellFacts(sum(totals[k].values()), max(totals[k].values(), default=0)) for k in keys}
