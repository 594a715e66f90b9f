"""Agents over time: step functions built from a pool's `agents` or `shifts`.

Two counts matter. Scheduled (paid) agents are what a pool costs: on shift, breaks included.
Agents on duty are what serves contacts: shifts less breaks, then shrinkage, N scheduled
agents putting floor(N (1 - s)) on duty (a fraction of an agent is not on duty; with the
planners' scheduled = ceil(required / (1 - s)) this puts exactly the requirement on duty).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from sim.model.units import DAY

if TYPE_CHECKING:
    from sim.scenario.pools import Pool, Shift

EPSILON = 1e-9  # so that 10 agents at 30% shrinkage are 7 on duty, not 6.999...

Steps = list[tuple[float, int]]  # (time, count from then), times increasing


def on_duty(scheduled: int, shrinkage: float) -> int:
    """Agents on duty of `scheduled` agents with `shrinkage`."""
    return math.floor(scheduled * (1.0 - shrinkage) + EPSILON)


def scheduled_for(required: int, shrinkage: float) -> int:
    """The fewest scheduled agents that put `required` on duty (`on_duty`'s inverse)."""
    n = max(0, math.ceil(required / (1.0 - shrinkage) - EPSILON))
    while on_duty(n, shrinkage) < required:  # the float edges, either way
        n += 1
    while n > 0 and on_duty(n - 1, shrinkage) >= required:
        n -= 1
    return n


def paid_steps(pool: Pool, interval: float, start: float, end: float) -> Steps:
    """(time, scheduled agents from then) for every change in [start, end), first at `start`:
    what the pool costs."""
    return _steps(pool, interval, start, end, breaks=False, shrinkage=0.0)


def duty_steps(pool: Pool, interval: float, start: float, end: float) -> Steps:
    """(time, agents on duty from then) for every change in [start, end), first at `start`:
    what the engine staffs."""
    return _steps(pool, interval, start, end, breaks=True, shrinkage=pool.shrinkage)


def _steps(pool: Pool, interval: float, start: float, end: float, breaks: bool,
           shrinkage: float) -> Steps:
    """A list of agents gives one count per reporting interval from t=0 and repeats; shifts
    repeat every day. Shrinkage's floor applies to the pool's total at each time."""
    agents = pool.agents
    if isinstance(agents, int):
        raw = [(start, agents)]
    elif agents is not None:
        first, last = math.floor(start / interval), math.ceil(end / interval)
        raw = [(max(k * interval, start), agents[k % len(agents)]) for k in range(first, last)]
    else:
        raw = _shift_counts(pool.shifts, start, end, breaks)
    steps: Steps = []
    for t, n in raw:
        n = on_duty(n, shrinkage) if shrinkage else n
        if not steps or steps[-1][1] != n:
            steps.append((t, n))
    return steps


def _shift_counts(shifts: list[Shift], start: float, end: float, breaks: bool) -> Steps:
    """Agents present at `start` and at every change in (start, end): a sweep over each day's
    pieces [a, b) of work (a shift, or its parts between breaks), in time order."""
    delta: defaultdict[float, int] = defaultdict(int)
    days = range(math.floor(start / DAY) - 2, math.ceil(end / DAY) + 1)  # a piece ends < 2 days
    for shift in shifts:
        for a, b in _pieces(shift, breaks):
            for day in days:
                delta[day * DAY + a] += shift.count
                delta[day * DAY + b] -= shift.count
    level, counts = 0, [(start, 0)]
    for t in sorted(delta):
        if t >= end:
            break
        level += delta[t]
        if t <= start:
            counts[0] = (start, level)
        else:
            counts.append((t, level))
    return counts


def _pieces(shift: Shift, breaks: bool) -> list[tuple[float, float]]:
    """Times of day [a, b) of a shift's work: the whole shift, or the parts between breaks
    (clipped, so that a break within rounding of the shift's end or of another never counts
    an agent off twice)."""
    begin, stop = shift.start, shift.start + shift.length
    if not breaks:
        return [(begin, stop)]
    pieces, at = [], begin
    for b in shift.breaks:
        if shift.start + b.at > at:
            pieces.append((at, min(shift.start + b.at, stop)))
        at = max(at, shift.start + b.at + b.length)
    if stop > at:
        pieces.append((at, stop))
    return pieces


def staffed_seconds(steps: Steps, end: float, edges: np.ndarray) -> np.ndarray:
    """Agent-seconds in each bin [edges[k], edges[k+1])."""
    times = np.array([t for t, _ in steps] + [end])
    counts = np.array([n for _, n in steps], dtype=float)
    cumulative = np.concatenate(([0.0], np.cumsum(counts * np.diff(times))))
    return np.diff(np.interp(edges, times, cumulative))
