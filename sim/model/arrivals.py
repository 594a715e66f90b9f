"""Arrival times of needs: a non-homogeneous Poisson process with a piecewise-constant rate."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from sim.model.units import DAY, HOUR


class Volume(Protocol):
    """What the rate needs of a demand table (`sim.scenario.demand.Volume`)."""

    per_hour: float | None
    daily: float | None
    profile: list[float] | None
    weekdays: list[float] | None


def rate_steps(volume: Volume, interval: float, start: float,
               end: float) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints t_0=start < ... < t_k=end and the rate (per second) on each piece.

    With a profile, interval k of the day gets `daily * w_k / sum(w)` arrivals; with
    weekdays, day d's rates are scaled by `weekdays[d % 7]`. The pattern repeats, so the
    warm-up (negative times) sees the previous evening.
    """
    v = volume
    if v.profile is None and v.weekdays is None:
        rate = v.per_hour / HOUR if v.per_hour is not None else v.daily / DAY
        return np.array([start, end]), np.array([rate])
    if v.profile is not None:
        weights = np.asarray(v.profile, dtype=float)
        step, pattern = interval, v.daily * weights / weights.sum() / interval
    else:
        step = DAY
        pattern = np.array([v.per_hour / HOUR if v.per_hour is not None else v.daily / DAY])
    first, last = math.floor(start / step), math.ceil(end / step)
    index = np.arange(first, last)
    rates = pattern[index % len(pattern)]
    if v.weekdays is not None:
        day = np.floor(index * step / DAY).astype(np.int64)
        rates = rates * np.asarray(v.weekdays, dtype=float)[day % 7]
    edges = np.arange(first, last + 1) * step
    edges[0], edges[-1] = start, end
    return edges, rates


def arrival_times(rng: np.random.Generator, edges: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Sorted arrival times by inversion of the cumulative rate.

    The k-th arrival is the k-th event of one unit-rate process mapped through
    the inverse cumulative rate, so a scenario with a little more demand keeps
    nearly the same customers (common random numbers).
    """
    cumulative = np.concatenate(([0.0], np.cumsum(rates * np.diff(edges))))
    total = cumulative[-1]
    if total <= 0:
        return np.empty(0)
    block = int(total + 6 * math.sqrt(total) + 16)
    unit = np.cumsum(rng.standard_exponential(block))
    while unit[-1] <= total:
        more = np.cumsum(rng.standard_exponential(block)) + unit[-1]
        unit = np.concatenate((unit, more))
    unit = unit[unit < total]
    # the piece with cumulative[k] <= u < cumulative[k+1]: never one with a zero rate
    k = np.searchsorted(cumulative, unit, side="right") - 1
    return edges[k] + (unit - cumulative[k]) / rates[k]
