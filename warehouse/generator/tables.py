"""The in-memory form of one source table before mess and extract versioning."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..sources import SourceTable


@dataclass
class TableData:
    """One source table's records as finally true.

    ``frame`` holds the contract's columns; date columns hold integer day numbers (calendar.BLANK = blank).
    Columns starting with '_' are helpers for mess and truth, never written.
    ``created`` is the day each record came into being: an extract dated D holds the records created
    before D, and blanks a date column (and the columns in ``reveal``) whose day is on or after D.
    """

    source: SourceTable
    frame: pd.DataFrame
    created: np.ndarray
    date_columns: tuple[str, ...] = ()
    reveal: dict[str, tuple[str, ...]] = field(default_factory=dict)
    id_prefix: str = ""
    id_width: int = 7


def ids(prefix: str, seq: np.ndarray, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.asarray(seq).astype(str), width)).astype(object)


def order_by(created: np.ndarray, *tiebreak: np.ndarray) -> np.ndarray:
    """Local ids follow the order records were created, as a vendor system's sequence does."""
    keys = (*tuple(reversed(tiebreak)), created)
    return np.lexsort(keys)
