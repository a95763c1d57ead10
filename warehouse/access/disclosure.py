"""Statistical disclosure control for tables a scrutiny committee sees or downloads.

Primary suppression hides every count from 1 to ``threshold - 1`` (zeros reveal no person and
stay). Secondary (complementary) suppression then hides further cells so that no hidden cell
can be worked back out of the totals shown beside it:

- 1-D tables (categories and a total): one equation, so every line that hides anything hides
  at least two cells, and the cells it hides add up to at least ``threshold`` (otherwise the
  hidden group as a whole is a small count).
- 2-D tables with row and column totals: a hidden cell is exactly recoverable from the totals
  if and only if it is a *bridge* of the bipartite graph whose nodes are the table's lines
  (rows, columns, and the two total lines) and whose edges are the hidden cells: the
  equations are that graph's incidence matrix, whose null space is spanned by its cycles. So
  every hidden cell must lie on a cycle; a bridge is put on one by hiding the cheapest
  rectangle that closes it. The 1-D rule (two hidden cells adding up to at least the
  threshold) also holds on every line whose total is shown.

Written here rather than taken from a library: the maintained tools for this (tau-Argus,
sdcTable) are Java and R; no well-kept Python package does cell suppression. The tests check
the result with a linear programme (the attacker's best bounds on every hidden cell).

Complements are chosen cheapest first: the smallest non-zero cell, interior cells before
totals. Zeros are a last resort: hiding a zero next to a small cell lets an attacker bound
the small cell from below by its true value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

THRESHOLD = 5
TOTAL = "Total"
SUPPRESSED_MARK = "[c]"  # the Government Statistical Service's symbol for "confidential"

# Costs that steer the choice of complements: any non-zero interior cell before any total,
# any total before any zero.
_TOTAL_PENALTY = 10**9
_ZERO_PENALTY = 10**12


def is_primary(value: float, threshold: int = THRESHOLD) -> bool:
    return 0 < value < threshold


def suppress_series(counts: pd.Series, threshold: int = THRESHOLD, total_label: str = TOTAL) -> pd.Series:
    """A 1-D table with its total appended, suppressed; hidden cells are ``<NA>`` (Int64)."""
    values = np.asarray(counts, dtype="int64")
    if (values < 0).any():
        raise ValueError("counts must not be negative")
    total = int(values.sum())
    cells = np.append(values, total)
    hidden = np.array([is_primary(v, threshold) for v in cells])
    _protect_line(cells, hidden, list(range(len(values))), len(values), threshold)
    out = pd.Series(cells, index=[*counts.index, total_label], name=counts.name, dtype="Int64")
    out[hidden] = pd.NA
    return out


def suppress_table(
    counts: pd.DataFrame,
    threshold: int = THRESHOLD,
    total_label: str = TOTAL,
) -> pd.DataFrame:
    """A 2-D table of counts with a total row and column added, suppressed (``<NA>``, Int64).

    Totals are always protected as if published, even where a page shows only the grid: a
    reader can find them elsewhere (the borough total of one measure is on every page).
    """
    values = counts.to_numpy(dtype="int64", na_value=0)
    if (values < 0).any():
        raise ValueError("counts must not be negative")
    rows, columns = values.shape
    grid = np.zeros((rows + 1, columns + 1), dtype="int64")
    grid[:rows, :columns] = values
    grid[:rows, columns] = values.sum(axis=1)
    grid[rows, :columns] = values.sum(axis=0)
    grid[rows, columns] = values.sum()
    hidden = np.vectorize(lambda v: is_primary(v, threshold))(grid) if grid.size else grid.astype(bool)
    if rows == 1 or columns == 1:
        # One row (or column): its column (row) totals repeat its cells, so it is a 1-D table.
        _protect_degenerate(grid, hidden, rows, columns, threshold)
    else:
        _protect_grid(grid, hidden, threshold)
    out = pd.DataFrame(
        grid,
        index=pd.Index([*counts.index, total_label], name=counts.index.name),
        columns=pd.Index([*counts.columns, total_label], name=counts.columns.name),
        dtype="Int64",
    )
    return out.mask(hidden)


def suppress_long(
    frame: pd.DataFrame,
    row: str,
    column: str,
    value: str,
    threshold: int = THRESHOLD,
    total_label: str = TOTAL,
) -> pd.DataFrame:
    """``suppress_table`` for a long frame (one row per cell): pivots, suppresses, returns wide."""
    wide = frame.pivot_table(index=row, columns=column, values=value, aggfunc="sum", fill_value=0)
    return suppress_table(wide, threshold, total_label)


def formatted(table: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Counts as text with thousands separators and ``[c]`` where suppressed: for screens and CSV."""

    def one(value) -> str:
        return SUPPRESSED_MARK if pd.isna(value) else f"{int(value):,}"

    if isinstance(table, pd.Series):
        return table.map(one)
    return table.map(one)


def to_csv(table: pd.DataFrame | pd.Series) -> bytes:
    """A suppressed table as CSV, hidden cells as ``[c]``, counts as plain integers."""
    text = table.astype("object").where(table.notna(), SUPPRESSED_MARK)
    return text.to_csv().encode("utf-8")


# --- 1-D ----------------------------------------------------------------------------------------


def _cost(value: int, is_total: bool) -> int:
    return (_ZERO_PENALTY if value == 0 else value) + (_TOTAL_PENALTY if is_total else 0)


def _protect_line(
    cells: np.ndarray,
    mask: np.ndarray,
    interior: list[int],
    total: int,
    threshold: int,
    is_total: Callable[[int], bool] = lambda k: False,
) -> bool:
    """Make one line (interior cells + its total) safe on its own; True if it hid anything.

    Safe: it hides nothing, or at least two unknowns (cells or the total); and when its total is
    shown, the hidden cells add up to at least the threshold.
    """
    added = False
    while True:
        shown_total = not mask[total]
        hidden_interior = [k for k in interior if mask[k]]
        unknowns = len(hidden_interior) + (0 if shown_total else 1)
        too_few = unknowns == 1
        too_small = shown_total and bool(hidden_interior) and cells[hidden_interior].sum() < threshold
        if not (too_few or too_small):
            return added
        candidates = [k for k in interior if not mask[k]]
        if candidates:
            mask[min(candidates, key=lambda k: (_cost(int(cells[k]), is_total(k)), k))] = True
        elif shown_total:  # every cell is hidden and the total would give their sum away
            mask[total] = True
        else:
            return added
        added = True


# --- 2-D ----------------------------------------------------------------------------------------


def _protect_degenerate(grid: np.ndarray, hidden: np.ndarray, rows: int, columns: int, threshold: int) -> None:
    if rows == 1:
        line = grid[0, :]
        mask = hidden[0, :].copy()
        _protect_line(line, mask, list(range(columns)), columns, threshold)
        hidden[0, :] = mask
        hidden[1, :] = mask  # the totals row repeats the single row
    else:
        line = grid[:, 0]
        mask = hidden[:, 0].copy()
        _protect_line(line, mask, list(range(rows)), rows, threshold)
        hidden[:, 0] = mask
        hidden[:, 1] = mask


def _lines(shape: tuple[int, int]) -> Iterable[tuple[str, int]]:
    rows, columns = shape
    yield from (("row", i) for i in range(rows))
    yield from (("column", j) for j in range(columns))


def _protect_grid(grid: np.ndarray, hidden: np.ndarray, threshold: int) -> None:
    rows, columns = grid.shape  # including the total row and column (last)
    for _ in range(grid.size + 1):
        changed = False
        for kind, index in _lines(grid.shape):
            if kind == "row":
                cells, mask = grid[index, :], hidden[index, :]
                total = columns - 1
            else:
                cells, mask = grid[:, index], hidden[:, index]
                total = rows - 1
            line_mask = mask.copy()
            interior = [k for k in range(len(cells)) if k != total]
            in_total_line = index == (rows - 1 if kind == "row" else columns - 1)

            def is_total(k: int, in_total_line: bool = in_total_line) -> bool:
                # In the total row (column) the "interior" cells are themselves totals.
                return in_total_line

            if _protect_line(cells, line_mask, interior, total, threshold, is_total):
                if kind == "row":
                    hidden[index, :] = line_mask
                else:
                    hidden[:, index] = line_mask
                changed = True
        bridge = _first_bridge(hidden)
        if bridge is not None:
            _close_with_rectangle(grid, hidden, bridge)
            changed = True
        if not changed:
            return
    raise AssertionError("suppression did not converge")  # cannot happen: each pass hides a cell


def _first_bridge(hidden: np.ndarray) -> tuple[int, int] | None:
    """A hidden cell that lies on no cycle of hidden cells (so the totals give it away)."""
    rows, columns = hidden.shape
    edges = [(i, j) for i in range(rows) for j in range(columns) if hidden[i, j]]
    if not edges:
        return None
    # Nodes: rows 0..rows-1, columns rows..rows+columns-1. Tarjan's bridge finding, iterative.
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for e, (i, j) in enumerate(edges):
        adjacency.setdefault(i, []).append((rows + j, e))
        adjacency.setdefault(rows + j, []).append((i, e))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for neighbour, e in neighbours:
                if e == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = counter
                    counter += 1
                    stack.append((neighbour, e, iter(adjacency[neighbour])))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    return edges[via]
    return None


def _close_with_rectangle(grid: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]) -> None:
    """Hide the cheapest three cells that make a rectangle (a cycle) with ``cell``."""
    rows, columns = grid.shape
    i, j = cell

    def cost(r: int, c: int) -> int:
        if hidden[r, c]:
            return 0
        return _cost(int(grid[r, c]), r == rows - 1 or c == columns - 1)

    best = None
    for r in range(rows):
        if r == i:
            continue
        for c in range(columns):
            if c == j:
                continue
            total = cost(i, c) + cost(r, j) + cost(r, c)
            if best is None or total < best[0]:
                best = (total, r, c)
    assert best is not None  # a grid with totals has at least 2 rows and 2 columns
    _, r, c = best
    hidden[i, c] = hidden[r, j] = hidden[r, c] = True
