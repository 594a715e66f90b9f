"""What a staffing plan is judged on, and who answers for a miss. Pure functions of the scenario.

A plan is an integer array, one row per planned pool and one column per reporting interval of
the horizon (the list repeats, as a pool's `agents` list does). It is judged on cells: a
channel with a target in an interval where that target can be met at all. For an arrival at
t, an agent must pick it up at an open time before min(t + within, horizon), less the
channel's mean handle time for deferred and public channels, whose target is on the first
reply (the end of the first exchange). A cell is judged when that holds for every arrival time
of the interval: so a channel's closed hours and the last `within` of the horizon (replies the
run cannot see) are left out, and the work that arrives then is still carried by later cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from sim.metrics.intervals import interval_edges
from sim.model.units import DAY
from sim.scenario.channels import Channel, Hours
from sim.scenario.schema import Scenario

Cell = tuple[str, int]  # (channel, interval)
SAMPLES = 16  # arrival times tried per interval when deciding whether a cell is judged


class StaffingError(ValueError):
    """A scenario that cannot be staffed by `sim staff` (e.g. no channel has a target)."""


@dataclass(frozen=True)
class Problem:
    """The planned pools (rows), intervals (columns), judged cells and the rules that map a
    missed cell to the plan cells that answer for it."""

    pools: tuple[str, ...]  # planned pools: those serving a channel with a target
    edges: np.ndarray  # interval edges from 0 to the horizon
    cells: tuple[Cell, ...]  # judged (channel, interval), in interval then channel order
    cheapest: dict[str, int]  # channel -> row of the planned pool that gets an added agent
    serving: dict[str, tuple[int, ...]]  # channel -> rows of every planned pool with the skill
    next_open: dict[str, np.ndarray]  # channel -> per interval, the first open one from there
    reach: dict[str, int]  # channel -> later intervals whose staffing still answers in time

    @property
    def intervals(self) -> int:
        return len(self.edges) - 1

    def needs(self, missed: frozenset[Cell]) -> np.ndarray:
        """Per plan cell, how many missed cells want an agent there: each in its channel's
        cheapest pool, in the missed interval (or, for a channel closed then, the first interval
        it opens)."""
        counts = np.zeros((len(self.pools), self.intervals), dtype=np.int64)
        for channel, i in missed:
            counts[self.cheapest[channel], self.next_open[channel][i]] += 1
        return counts

    def blame(self, missed: frozenset[Cell], near: bool = True) -> np.ndarray:
        """Plan cells whose staffing may have caused the misses: the pools serving the channel,
        from the intervals before (a queue carries over: one, and for a deferred channel as
        many as its target spans) to the last that can still answer in time; the plan repeats,
        so the interval before the first is the last. `near=False`: every interval."""
        mask = np.zeros((len(self.pools), self.intervals), dtype=bool)
        for channel, i in missed:
            reach = self.reach[channel]
            span = np.arange(i - 1 - reach, i + reach + 1) % self.intervals if near else \
                slice(None)
            for row in self.serving[channel]:
                mask[row, span] = True
        return mask


def build_problem(scenario: Scenario) -> Problem:
    """The problem of staffing `scenario`; StaffingError if nothing can be judged."""
    targeted = [name for name, c in scenario.channels.items() if c.target is not None]
    if not targeted:
        raise StaffingError("no channel has a target (channels.NAME.target = { within, share }"
                            "): there is nothing to staff for")
    pools = tuple(name for name, p in scenario.pools.items()
                  if any(s in targeted for s in p.skills))
    unserved = [c for c in targeted if not any(c in scenario.pools[p].skills for p in pools)]
    if unserved:
        raise StaffingError(f"channels.{unserved[0]}: has a target but no pool serves it")
    edges = interval_edges(scenario.interval, scenario.horizon)
    judged = {c: judged_intervals(scenario.channels[c], edges) for c in targeted}
    if not any(j.any() for j in judged.values()):
        raise StaffingError("no interval where a target can be met (every channel with a "
                            "target is closed, or its target is longer than the horizon)")
    cells = tuple((c, i) for i in range(len(edges) - 1) for c in targeted if judged[c][i])
    rows = {name: k for k, name in enumerate(pools)}

    def serving(channel: str) -> tuple[int, ...]:
        return tuple(rows[p] for p in pools if channel in scenario.pools[p].skills)

    def cheapest(channel: str) -> int:
        return min(serving(channel), key=lambda r: (scenario.pools[pools[r]].cost_per_hour,
                                                     len(scenario.pools[pools[r]].skills), r))

    return Problem(
        pools=pools, edges=edges, cells=cells,
        cheapest={c: cheapest(c) for c in scenario.channels if serving(c)},
        serving={c: serving(c) for c in targeted},
        next_open={c: _next_open(scenario.channels[c].hours, edges) for c in targeted},
        reach={c: math.ceil(scenario.channels[c].target.within / scenario.interval)
               if scenario.channels[c].kind != "realtime" else 0 for c in targeted},
    )


def judged_intervals(channel: Channel, edges: np.ndarray) -> np.ndarray:
    """Per interval: can every arrival in it be picked up at an open time in time to meet the
    target? (See the module docstring.)"""
    horizon = float(edges[-1])
    margin = 0.0 if channel.kind == "realtime" else channel.handle_time.mean
    out = np.zeros(len(edges) - 1, dtype=bool)
    for i, (start, end) in enumerate(pairwise(edges)):
        arrivals = np.append(np.linspace(start, end, SAMPLES, endpoint=False),
                             np.nextafter(end, 0))
        out[i] = all(open_seconds(channel.hours, t, min(t + channel.target.within, horizon)
                                  - margin) > 0 for t in arrivals)
    return out


def open_seconds(hours: Hours | None, start: float, end: float) -> float:
    """Seconds of [start, end] in which a channel with these opening hours is open."""
    if end <= start:
        return 0.0
    if hours is None:
        return end - start
    length = (hours.close - hours.open) % DAY  # past midnight when close < open
    total = 0.0
    for day in range(math.floor(start / DAY) - 1, math.floor(end / DAY) + 1):
        opens = day * DAY + hours.open
        total += max(0.0, min(end, opens + length) - max(start, opens))
    return total


def open_intervals(hours: Hours | None, edges: np.ndarray) -> np.ndarray:
    """Per interval: is the channel open at some time in it?"""
    return np.array([open_seconds(hours, a, b) > 0 for a, b in pairwise(edges)], dtype=bool)


def _next_open(hours: Hours | None, edges: np.ndarray) -> np.ndarray:
    """Per interval, the first interval from it in which the channel is open at some time (the
    last interval if none: such an interval is never judged)."""
    is_open = open_intervals(hours, edges)
    out = np.full(len(is_open), len(is_open) - 1)
    following = len(is_open) - 1
    for i in range(len(is_open) - 1, -1, -1):
        if is_open[i]:
            following = i
        out[i] = following
    return out
