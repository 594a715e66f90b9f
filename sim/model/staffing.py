"""Agents over time: step functions built from a pool's `agents` or `shifts`.

Two counts matter. Scheduled (paid) agents are what a pool costs: on shift, breaks included.
Agents on duty are what serves contacts: shifts less breaks, then shrinkage, N scheduled
agents putting floor(N (1 - s)) on duty (a fraction of an agent is not on duty; with the
planners' scheduled = ceil(required / (1 - s)) this puts exactly the requirement on duty).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.units import DAY

if TYPE_CHECKING:
    from sim.scenario.pools import Pool

EPSILON = 1e-9  # so that 10 agents at 30% shrinkage are 7 on duty, not 6.999...


def on_duty(scheduled: int, shrinkage: float) -> int:
    """Agents on duty of `scheduled` agents with `shrinkage`."""
    return math.floor(scheduled * (1.0 - shrinkage) + EPSILON)


def scheduled_for(required: int, shrinkage: float) -> int:
    """The fewest scheduled agents that put `required` on duty."""
    n = math.ceil(required / (1.0 - shrinkage) - EPSILON)
    while on_duty(n, shrinkage) < required:  # guards the float edge
        n += 1
    return n


def paid_steps(pool: Pool, interval: float, start: float, end: float) -> list[tuple[float, int]]:
    """(time, scheduled agents from then) for every change in [start, end), first at `start`."""
    return _steps(pool, interval, start, end, breaks=False, shrinkage=0.0)


def duty_steps(pool: Pool, interval: float, start: float, end: float) -> list[tuple[float, int]]:
    """(time, agents on duty from then) for every change in [start, end), first at `start`:
    what the engine staffs."""
    return _steps(pool, interval, start, end, breaks=True, shrinkage=pool.shrinkage)


def _steps(pool: Pool, interval: float, start: float, end: float, breaks: bool,
           shrinkage: float) -> list[tuple[float, int]]:
    """A list of agents gives one count per reporting interval from t=0 and repeats; shifts
    repeat every day."""
    agents, shifts = pool.agents, pool.shifts
    if isinstance(agents, int):
        times, counts = [start], [agents]
    elif agents is not None:
        first, last = math.floor(start / interval), math.ceil(end / interval)
        times = [max(k * interval, start) for k in range(first, last)]
        counts = [agents[k % len(agents)] for k in range(first, last)]
    else:
        pieces = [(s.start, s.start + s.length, s.count) for s in shifts]
        if breaks:
            pieces += [(s.start + b.at, s.start + b.at + b.length, -s.count)
                       for s in shifts for b in s.breaks]
        times = sorted({start} | {
            t for day in range(math.floor(start / DAY) - 1, math.ceil(end / DAY) + 1)
            for a, b, _ in pieces for t in (day * DAY + a, day * DAY + b) if start < t < end
        })
        counts = [_present(pieces, t) for t in times]
    steps: list[tuple[float, int]] = []
    for t, n in zip(times, counts, strict=True):
        n = on_duty(n, shrinkage) if shrinkage else n
        if not steps or steps[-1][1] != n:
            steps.append((t, n))
    return steps


def _present(pieces: list[tuple[float, float, int]], t: float) -> int:
    """Sum of the counts of the daily pieces [a, b) that contain t."""
    return sum(n for a, b, n in pieces
               for day in (math.floor(t / DAY) - k for k in range(math.ceil((b - a) / DAY) + 2))
               if day * DAY + a <= t < day * DAY + b)


def staffed_seconds(steps: list[tuple[float, int]], end: float, edges: np.ndarray) -> np.ndarray:
    """Agent-seconds in each bin [edges[k], edges[k+1])."""
    times = np.array([t for t, _ in steps] + [end])
    counts = np.array([n for _, n in steps], dtype=float)
    cumulative = np.concatenate(([0.0], np.cumsum(counts * np.diff(times))))
    return np.diff(np.interp(edges, times, cumulative))
