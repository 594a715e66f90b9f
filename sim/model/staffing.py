"""Agents on shift over time: a step function built from a pool's `agents` or `shifts`."""

from __future__ import annotations

import math

import numpy as np

from sim.model.units import DAY


def staffing_steps(agents: int | list[int] | None, shifts: list | None, interval: float,
                   start: float, end: float) -> list[tuple[float, int]]:
    """(time, agents on shift from then) for every change in [start, end), first at `start`.

    A list of agents gives one count per reporting interval from t=0 and
    repeats; shifts repeat every day.
    """
    if isinstance(agents, int):
        return [(start, agents)]
    if agents is not None:
        first, last = math.floor(start / interval), math.ceil(end / interval)
        times = [max(k * interval, start) for k in range(first, last)]
        counts = [agents[k % len(agents)] for k in range(first, last)]
    else:
        times = sorted({start} | {
            t for day in range(math.floor(start / DAY) - 1, math.ceil(end / DAY) + 1)
            for s in shifts for t in (day * DAY + s.start, day * DAY + s.start + s.length)
            if start < t < end
        })
        counts = [_on_shift(shifts, t) for t in times]
    steps: list[tuple[float, int]] = []
    for t, n in zip(times, counts, strict=True):
        if not steps or steps[-1][1] != n:
            steps.append((t, n))
    return steps


def _on_shift(shifts: list, t: float) -> int:
    return sum(s.count for s in shifts
               for day in (math.floor(t / DAY) - k for k in range(math.ceil(s.length / DAY) + 1))
               if day * DAY + s.start <= t < day * DAY + s.start + s.length)


def staffed_seconds(steps: list[tuple[float, int]], end: float, edges: np.ndarray) -> np.ndarray:
    """Agent-seconds on shift in each bin [edges[k], edges[k+1])."""
    times = np.array([t for t, _ in steps] + [end])
    counts = np.array([n for _, n in steps], dtype=float)
    cumulative = np.concatenate(([0.0], np.cumsum(counts * np.diff(times))))
    return np.diff(np.interp(edges, times, cumulative))
