"""Dates as integer day numbers (days since 1970-01-01), the unit the whole simulation works in."""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)


def day(value: str | dt.date) -> int:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return (value - EPOCH).days


def to_date(d: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(d))


def to_datetime64(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]")


SIM_START = day("2016-01-01")
SIM_END = day("2025-12-31")  # last simulated day (inclusive)
YEARS = tuple(range(2016, 2026))
FULL_EXTRACT = "2025-12-01"
DELTA_EXTRACTS = ("2025-12-15", "2026-01-05")
EXTRACT_DATES = (FULL_EXTRACT, *DELTA_EXTRACTS)
NEVER = day("2100-01-01")  # "no end" sentinel, after every extract
BLANK = -10_000_000  # a date left blank (day numbers before 1970 are negative, so not -1)


def year_start(year: int) -> int:
    return day(dt.date(year, 1, 1))


def year_of(days: np.ndarray) -> np.ndarray:
    return to_datetime64(days).astype("datetime64[Y]").astype(int) + 1970


def month_of(days: np.ndarray) -> np.ndarray:
    return to_datetime64(days).astype("datetime64[M]").astype(int) % 12 + 1


def day_of_month(days: np.ndarray) -> np.ndarray:
    d = to_datetime64(days)
    return (d - d.astype("datetime64[M]")).astype(int) + 1


def age_on(dob: np.ndarray, on: np.ndarray | int) -> np.ndarray:
    """Whole years of age on a date (birthdays counted exactly)."""
    b = to_datetime64(dob)
    o = to_datetime64(np.broadcast_to(on, np.shape(dob)))
    years = o.astype("datetime64[Y]").astype(int) - b.astype("datetime64[Y]").astype(int)
    b_md = (b - b.astype("datetime64[Y]")).astype(int)
    o_md = (o - o.astype("datetime64[Y]")).astype(int)
    # Day-of-year comparison is off by one around 29 Feb in leap years; harmless here.
    return years - (o_md < b_md)


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Same calendar day ``years`` later (29 Feb becomes 1 Mar)."""
    d = to_datetime64(days)
    y = d.astype("datetime64[Y]")
    offset = d - y
    moved = (y + years).astype("datetime64[D]") + offset
    return moved.astype("int64")


def third_thursday_of_january(year: int) -> int:
    first = dt.date(year, 1, 1)
    first_thu = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return day(first_thu + dt.timedelta(days=14))


def march_31(year: int) -> int:
    return day(dt.date(year, 3, 31))
