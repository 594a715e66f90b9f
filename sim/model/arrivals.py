"""Arrival times of needs: a non-homogeneous Poisson process with a piecewise-constant rate."""

from __future__ import annotations

import math

import numpy as np

from sim.model.units import DAY, HOUR


def rate_steps(per_hour: float | None, daily: float | None, profile: list[float] | None,
               interval: float, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints t_0=start < ... < t_k=end and the rate (per second) on each piece.

    With a profile, interval k of the day gets `daily * w_k / sum(w)` needs;
    the day repeats, so the warm-up (negative times) sees the previous evening.
    """
    if profile is None:
        rate = per_hour / HOUR if per_hour is not None else daily / DAY
        return np.array([start, end]), np.array([rate])
    weights = np.asarray(profile, dtype=float)
    rates = daily * weights / weights.sum() / interval
    first, last = math.floor(start / interval), math.ceil(end / interval)
    edges = np.arange(first, last + 1) * interval
    edges[0], edges[-1] = start, end
    return edges, rates[np.arange(first, last) % len(rates)]


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
