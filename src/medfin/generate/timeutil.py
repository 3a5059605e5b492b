"""Vectorised calendar helpers. Dates are int64 days since 1970-01-01, timestamps int64 minutes."""

from __future__ import annotations

from datetime import date

import numpy as np

MINUTES_PER_DAY = 1440
EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    return (d - EPOCH).days


def from_day_number(n: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(n))


def year_start(year: int) -> int:
    return day_number(date(year, 1, 1))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day of month of day numbers."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def years_of(days: np.ndarray) -> np.ndarray:
    return (
        np.asarray(days, dtype="int64")
        .astype("datetime64[D]")
        .astype("datetime64[Y]")
        .astype(np.int64)
        + 1970
    )


def month_start(days: np.ndarray) -> np.ndarray:
    """Day number of the first day of the month of each day."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]")
    return d.astype("datetime64[D]").astype(np.int64)


def completed_years(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Age in completed years on a day: the birthday counts from the day itself.

    Someone born on 29 February turns a year older on 1 March in common years, because (month, day)
    of the reference day must reach (2, 29).
    """
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(on)
    not_yet = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - not_yet.astype(np.int64)


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7
