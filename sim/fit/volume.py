"""A channel's volume from its arrival times: contacts a day, the shape of the day, weekdays.

The simulator takes a day as `daily` contacts spread over intervals in proportion to a
profile of weights. Here each weight is the average count in that interval of the day over
the log's days, so the weights add up to `daily` and read as contacts per interval; an
interval without a single contact in the log gets 0 (closed hours stay closed). Weekday
factors are estimated only from two weeks on: with fewer, a factor would rest on one day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.units import DAY

MIN_DAYS_FOR_WEEKDAYS = 14
DIGITS = 4  # significant digits kept: each weight within 0.05%, so sum(profile) ~ daily


@dataclass(frozen=True)
class Volume:
    """Average contacts a day, per interval of the day (adding up to `daily`), and, over two
    weeks or more, the mean daily count of each weekday (Monday first) divided by `daily`."""

    daily: float
    profile: list[float]
    weekdays: list[float] | None
    days: int


def significant(x: float, digits: int = DIGITS) -> float:
    """`x` rounded to `digits` significant digits (0 stays 0)."""
    return float(f"{x:.{digits}g}")


def fit_volume(arrival: pd.Series, interval: float, start: pd.Timestamp,
               end: pd.Timestamp) -> Volume:
    """Volume of one channel whose contacts arrived at `arrival` (naive timestamps).

    `start` and `end` are the midnights that open the log's first day and close its last,
    taken over the whole log so that every channel counts the same days (a day without a
    contact of this channel is a day with 0). `interval` is in seconds and divides a day.
    """
    per_day = DAY / interval
    if not interval > 0 or abs(per_day - round(per_day)) > 1e-9:
        raise ValueError(f"interval must divide a day, got {interval!r} s")
    per_day = round(per_day)
    span = (end - start) / pd.Timedelta(days=1)
    if start != start.normalize() or end != end.normalize() or span < 1:
        raise ValueError(f"start and end must be midnights a day or more apart: {start}, {end}")
    days = round(span)
    seconds = ((pd.to_datetime(arrival) - start) / pd.Timedelta(seconds=1)).to_numpy(float)
    if np.any(~(seconds >= 0) | (seconds >= days * DAY)):
        raise ValueError(f"arrival times must lie in [{start}, {end})")
    slot = np.floor(seconds / interval).astype(np.int64)  # interval since start
    counts = np.bincount(slot, minlength=days * per_day).reshape(days, per_day)
    total = int(counts.sum())
    daily = total / days
    profile = [significant(w) for w in counts.sum(axis=0) / days]
    weekdays = None
    if days >= MIN_DAYS_FOR_WEEKDAYS and total > 0:
        weekday = (start.day_of_week + np.arange(days)) % 7
        per_weekday = np.bincount(weekday, weights=counts.sum(axis=1), minlength=7)
        factors = per_weekday / np.bincount(weekday, minlength=7) / daily
        weekdays = [significant(f) for f in factors]
    return Volume(daily=significant(daily), profile=profile, weekdays=weekdays, days=days)
