"""Statistical disclosure control, attacked: can any hidden count be worked back out?

The attacker is a linear programme: it knows every shown cell and total, that counts are not
negative, and asks for the smallest and largest value each hidden cell could take. A hidden
cell is disclosed when those bounds meet; a small count is still exposed when its upper bound
is under the threshold (the reader learns the group is small).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from warehouse.access.disclosure import (
    SUPPRESSED_MARK,
    THRESHOLD,
    TOTAL,
    formatted,
    suppress_long,
    suppress_series,
    suppress_table,
    to_csv,
)


def _attacker_bounds(shown: pd.DataFrame) -> dict[tuple[int, int], tuple[float, float]]:
    """Bounds an attacker can prove for every hidden cell of a table with a total row and column."""
    grid = shown.to_numpy(dtype="float64", na_value=np.nan)
    rows, columns = grid.shape
    unknown = [(i, j) for i in range(rows) for j in range(columns) if np.isnan(grid[i, j])]
    if not unknown:
        return {}
    position = {cell: k for k, cell in enumerate(unknown)}
    equations, constants = [], []
    lines = [[(i, j) for j in range(columns)] for i in range(rows)]
    lines += [[(i, j) for i in range(rows)] for j in range(columns)]
    for line in lines:
        *interior, total = line
        coefficients = np.zeros(len(unknown))
        constant = 0.0
        for sign, cell in [*((1.0, c) for c in interior), (-1.0, total)]:
            if cell in position:
                coefficients[position[cell]] += sign
            else:
                constant -= sign * grid[cell]
        if coefficients.any():
            equations.append(coefficients)
            constants.append(constant)
    bounds = {}
    for cell, k in position.items():
        objective = np.zeros(len(unknown))
        objective[k] = 1.0
        low = linprog(objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
        upper = np.inf if high.status == 3 else -high.fun
        bounds[cell] = (low.fun, upper)
    return bounds


def _assert_protected(original: pd.DataFrame, shown: pd.DataFrame) -> None:
    full = original.copy()
    full[TOTAL] = full.sum(axis=1)
    full.loc[TOTAL] = full.sum(axis=0)
    grid = full.to_numpy()
    hidden = shown.isna().to_numpy()
    # Every small count is hidden, and every shown cell is the true one.
    assert not (((grid > 0) & (grid < THRESHOLD)) & ~hidden).any(), shown
    assert (shown.to_numpy(dtype="float64", na_value=np.nan)[~hidden] == grid[~hidden]).all()
    for (i, j), (low, high) in _attacker_bounds(shown).items():
        assert high - low >= 1, f"cell {(i, j)} = {grid[i, j]} recoverable: [{low}, {high}]\n{shown}"
        if 0 < grid[i, j] < THRESHOLD:
            assert high >= THRESHOLD, f"small cell {(i, j)} proven small: [{low}, {high}]\n{shown}"


def _table(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        index=pd.Index([f"ward {i}" for i in range(len(rows))], name="ward"),
        columns=pd.Index([f"need {j}" for j in range(len(rows[0]))], name="need"),
    )


# --- 1-D ----------------------------------------------------------------------------------------


def test_a_single_small_count_takes_a_complement_so_the_total_does_not_give_it_away():
    shown = suppress_series(pd.Series([3, 40, 25, 12], index=list("abcd")))
    assert shown.isna().tolist() == [True, False, False, True, False]  # 3 and the next smallest, 12
    assert shown[TOTAL] == 80


def test_two_small_counts_adding_up_under_the_threshold_take_a_third():
    shown = suppress_series(pd.Series([1, 2, 30, 9], index=list("abcd")))
    assert shown.isna().tolist() == [True, True, False, True, False]


def test_zeros_are_shown_and_never_chosen_as_complements():
    shown = suppress_series(pd.Series([0, 3, 0, 17, 50], index=list("abcde")))
    assert shown.iloc[0] == 0 and shown.iloc[2] == 0
    assert shown.isna().tolist() == [False, True, False, True, False, False]


def test_a_small_total_is_hidden_with_its_cells():
    shown = suppress_series(pd.Series([1, 0, 2], index=list("abc")))
    assert shown.isna().tolist() == [True, False, True, True]


def test_one_small_cell_and_only_zeros_hides_the_total():
    shown = suppress_series(pd.Series([0, 0, 7, 0], index=list("abcd")))
    assert shown.notna().all(), "nothing small: nothing hidden"
    shown = suppress_series(pd.Series([3, 0, 0], index=list("abc")))
    assert shown.isna().tolist() == [True, False, False, True]


def test_no_small_counts_means_nothing_hidden():
    shown = suppress_series(pd.Series([5, 6, 100], index=list("abc")))
    assert shown.notna().all() and shown[TOTAL] == 111


# --- 2-D ----------------------------------------------------------------------------------------

ADVERSARIAL = {
    "one small cell in a row": [[3, 20, 30], [15, 25, 35], [40, 12, 18]],
    "small cell recoverable from the column total too": [[2, 50], [60, 70], [80, 90]],
    "small cells in one row only": [[1, 2, 40], [30, 30, 30], [20, 25, 22]],
    "all-small row": [[1, 2, 1], [30, 40, 50], [20, 25, 22]],
    "all-small column": [[1, 40, 30], [2, 41, 30], [1, 45, 35]],
    "zeros around a small cell": [[0, 3, 0], [0, 30, 40], [25, 0, 60]],
    "sparse with zeros everywhere": [[0, 0, 4], [0, 9, 0], [7, 0, 0], [0, 0, 12]],
    "small margins": [[1, 1], [1, 1]],
    "one small cell in a big table": [[10 + i + j for j in range(6)] for i in range(5)],
    "diagonal of small cells": [[3, 20, 20, 20], [20, 3, 20, 20], [20, 20, 3, 20], [20, 20, 20, 3]],
    "grand total under the threshold": [[1, 0], [0, 2]],
    "two separate blocks joined by one cell": [
        [2, 3, 50, 50],
        [3, 2, 50, 50],
        [50, 50, 2, 3],
        [50, 50, 3, 2],
    ],
}
ADVERSARIAL["one small cell in a big table"][2][3] = 2


@pytest.mark.parametrize("rows", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_tables_hide_every_small_count_for_good(rows):
    original = _table(rows)
    shown = suppress_table(original)
    assert list(shown.columns)[-1] == TOTAL and list(shown.index)[-1] == TOTAL
    _assert_protected(original, shown)


def test_a_single_suppressed_cell_in_a_row_is_not_left_alone():
    shown = suppress_table(_table(ADVERSARIAL["one small cell in a row"]))
    hidden = shown.isna()
    assert hidden.loc["ward 0", "need 0"]
    assert hidden.loc["ward 0"].sum() >= 2 and hidden["need 0"].sum() >= 2
    assert not hidden[TOTAL].any() and not hidden.loc[TOTAL].any(), "totals stay shown"


def test_random_tables_survive_the_attacker():
    rng = np.random.default_rng(5)
    for _ in range(60):
        rows, columns = rng.integers(2, 6), rng.integers(2, 6)
        # Mostly small counts, some zeros, a few large: the hard case for suppression.
        values = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 15, 40], size=(rows, columns))
        original = _table(values.tolist())
        _assert_protected(original, suppress_table(original))


def test_one_row_or_one_column_tables_are_protected_as_lines():
    shown = suppress_table(_table([[3, 40, 25, 12]]))
    assert shown.loc["ward 0"].isna().tolist() == [True, False, False, True, False]
    assert shown.loc[TOTAL].isna().tolist() == [True, False, False, True, False]
    column = suppress_table(_table([[3], [40], [25], [12]]))
    assert column["need 0"].isna().tolist() == [True, False, False, True, False]


def test_long_frames_are_pivoted_then_suppressed():
    long = pd.DataFrame(
        {"ward": ["A", "A", "B", "B"], "sex": ["F", "M", "F", "M"], "people": [2, 30, 40, 50]}
    )
    shown = suppress_long(long, "ward", "sex", "people")
    assert shown.isna().sum().sum() == 4  # a rectangle: the 2, and three complements
    assert shown.loc[TOTAL, TOTAL] == 122


def test_csv_and_screen_show_the_suppression_mark_not_the_value():
    shown = suppress_series(pd.Series([3, 40, 25, 12], index=list("abcd"), name="people"))
    csv = to_csv(shown).decode()
    assert csv.count(SUPPRESSED_MARK) == 2 and ",3\n" not in csv and ",12\n" not in csv
    assert formatted(shown).tolist() == [SUPPRESSED_MARK, "40", "25", SUPPRESSED_MARK, "80"]


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        suppress_series(pd.Series([-1, 10]))
