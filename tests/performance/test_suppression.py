"""Small-cell suppression: no published cell below the threshold or dominated, and nothing recoverable."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.performance.suppression import ALL, CellFacts, extended_table, suppress

declarants = st.sampled_from(["KR1", "KR2", "KR3", "KR4", "KR5", "KR6"])
tables = st.dictionaries(
    st.tuples(st.sampled_from(["KR0101", "KR0201", "KR0301", "KR0401"]), st.sampled_from(["1", "3", "4"]), declarants),
    st.integers(min_value=1, max_value=30), max_size=40)


def _determined(cells, hidden):
    """The withheld cells whose value the published cells and the additivity of every line fix exactly."""
    hidden = sorted(hidden, key=str)
    index = {k: i for i, k in enumerate(hidden)}
    lines = {}
    for row, col in cells:
        lines.setdefault(("row", row), []).append((row, col))
        lines.setdefault(("col", col), []).append((row, col))
    # In a line, the inner cells add up to the margin: inner − margin = 0.
    matrix = []
    for members in lines.values():
        coefficients = np.zeros(len(hidden))
        for key in members:
            if key in index:
                coefficients[index[key]] = -1.0 if _is_margin_of(key, members) else 1.0
        matrix.append(coefficients)
    a = np.array(matrix) if hidden else np.zeros((1, 0))
    rank = np.linalg.matrix_rank(a) if hidden else 0
    return [k for k, i in index.items() if np.linalg.matrix_rank(np.delete(a, i, axis=1)) < rank]


def _is_margin_of(key, members):
    """Whether `key` is the margin of the line `members` (the member with ALL where the others vary)."""
    rows = {k[0] for k in members}
    return key[1] == ALL if len(rows) == 1 else key[0] == ALL


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(min_value=2, max_value=10), st.sampled_from([0.5, 0.6, 0.85]))
def test_no_published_cell_is_small_or_dominated_and_no_withheld_cell_is_recoverable(counts, threshold, dominance):
    cells = extended_table(counts)
    primary, hidden = suppress(cells, threshold=threshold, dominance=dominance)
    assert primary <= hidden
    for key, facts in cells.items():
        if key not in hidden:
            assert facts.count >= threshold, key
            assert facts.top <= dominance * facts.count, key
    assert _determined(cells, hidden) == []


def test_a_single_small_cell_takes_a_partner_in_its_row_and_column():
    counts = {("A", "1", "KR1"): 2, ("A", "3", "KR2"): 40, ("B", "1", "KR3"): 50, ("B", "3", "KR4"): 60,
              ("A", "1", "KR9"): 1}
    cells = extended_table(counts)
    primary, hidden = suppress(cells, threshold=5, dominance=1.0)
    assert primary == {("A", "1")}
    assert {("A", "1"), ("A", "3"), ("B", "1"), ("B", "3")} <= hidden  # the only cycle through (A, 1)
    assert ("A", ALL) not in hidden and (ALL, ALL) not in hidden


def test_an_empty_table_publishes_nothing():
    assert extended_table({}) == {}


def test_a_cell_dominated_by_one_declarant_is_withheld():
    cells = {("A", "1"): CellFacts(count=100, top=90), ("A", "3"): CellFacts(count=100, top=20)}
    assert cells[("A", "1")].sensitive(5, 0.5) and not cells[("A", "3")].sensitive(5, 0.5)


def test_a_withheld_cell_joining_two_withheld_blocks_is_protected_too():
    small = {("A", "1"), ("A", "2"), ("B", "1"), ("B", "2"), ("C", "3"), ("C", "4"), ("D", "3"), ("D", "4"), ("B", "3")}
    counts = {(r, c, f"KR{i}"): (2 if (r, c) in small else 50)
              for i, (r, c) in enumerate((r, c) for r in "ABCD" for c in "1234")}
    cells = extended_table(counts)
    primary, hidden = suppress(cells, threshold=5, dominance=1.0)
    assert primary == small  # every line has two withheld cells, but (B, 3) alone links the two blocks
    assert len(hidden) > len(primary)
    assert _determined(cells, hidden) == []
