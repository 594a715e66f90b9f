"""What a staffing plan is judged on, and who answers for a miss. Pure functions of the scenario.

A plan is an integer array of agents ON DUTY, one row per planned pool and one column per
reporting interval of the horizon (the list repeats, as a pool's `agents` list does; a pool's
shrinkage turns it into scheduled agents, `Problem.simulated`). It is judged on goals: a
channel's service-level target, its caps on abandonment and mean wait, a pool's cap on
occupancy; each in the intervals where it can be met at all (its cells). For a service-level
target and an arrival at t, an agent must pick the contact up at an open time before
t + within, less the channel's mean handle time for deferred and public channels, whose
target is on the first reply (the end of the first exchange); a cell is judged when that holds
for every arrival time of the interval, so a channel's closed hours are left out and the work
that arrives then is carried by later cells. Every plan is simulated past the horizon by the
longest target window (`Problem.extension`, the plan repeating as it does in a run), so no
contact of the horizon is judged before its window has ended: an email with a 24 h target
that arrives in the evening is answered the next morning, never forced into the same day. The
warm-up is made at least as long, so the work a plan carries over from the day before (the
same plan, repeating) is there at the start: a plan that cannot do a day's work in a day
builds a backlog that the judged day sees, instead of leaving it after the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from sim.metrics.sums import interval_edges
from sim.model.staffing import scheduled_for
from sim.model.units import DAY
from sim.scenario.channels import Channel, Hours
from sim.scenario.load import parse_scenario
from sim.scenario.schema import Scenario

Cell = tuple[str, int]  # (goal key: a channel or "pool:<name>", interval)
SAMPLES = 16  # arrival times tried per interval when deciding whether a cell is judged
POOL = "pool:"


class StaffingError(ValueError):
    """A scenario that cannot be staffed by `sim staff` (e.g. no channel has a target)."""


@dataclass(frozen=True)
class Goal:
    """One thing a plan must achieve in every judged interval: `metric` of `key` (a channel,
    or "pool:<name>" for occupancy) at least (`at_least`) or at most `bound`."""

    key: str
    metric: str  # service_level | abandon_rate | wait_mean | occupancy
    bound: float
    at_least: bool

    @property
    def pool(self) -> str:
        return self.key.removeprefix(POOL)


@dataclass(frozen=True, eq=False)
class Problem:
    """The planned pools (rows), intervals (columns), goals with their judged intervals and
    the rules that map a missed cell to the plan cells that answer for it."""

    scenario: Scenario
    pools: tuple[str, ...]  # planned pools: those serving a channel with a goal, or capped
    edges: np.ndarray  # interval edges from 0 to the horizon
    goals: tuple[Goal, ...]
    judged: dict[Goal, np.ndarray]  # per goal, per interval: is it judged there?
    cheapest: dict[str, int]  # goal key -> row of the planned pool that gets an added agent
    serving: dict[str, tuple[int, ...]]  # goal key -> rows of every planned pool serving it
    next_open: dict[str, np.ndarray]  # goal key -> per interval, the first open one from there
    reach: dict[str, int]  # goal key -> later intervals whose staffing still answers in time
    extension: float  # seconds simulated past the horizon

    @property
    def intervals(self) -> int:
        return len(self.edges) - 1

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self.scenario.channels)

    @property
    def all_pools(self) -> tuple[str, ...]:
        return tuple(self.scenario.pools)

    @property
    def cells(self) -> tuple[Cell, ...]:
        """Every judged (key, interval), in interval then key order."""
        keys = dict.fromkeys(g.key for g in self.goals)
        return tuple((k, i) for i in range(self.intervals) for k in keys
                     if any(self.judged[g][i] for g in self.goals if g.key == k))

    def simulated(self, plan: np.ndarray | None = None,
                  shifts: dict[str, list] | None = None) -> Scenario:
        """The scenario a plan is judged on: each planned pool scheduled by `shifts` (a
        roster) or its row of `plan` (on-duty agents over 1 - shrinkage, one count per
        interval, repeating; no plan: its own staffing), the horizon extended by `extension`
        and the warm-up at least as long (module doc)."""
        data = self.scenario.model_dump(by_alias=True)
        data["horizon"] = self.scenario.horizon + self.extension
        data["warmup"] = max(self.scenario.warmup, self.extension)
        for row, name in enumerate(self.pools if plan is not None else ()):
            if shifts and name in shifts:
                data["pools"][name].update(agents=None, shifts=shifts[name])
            else:
                shrinkage = self.scenario.pools[name].shrinkage
                agents = [scheduled_for(int(n), shrinkage) for n in plan[row]]
                data["pools"][name].update(agents=agents, shifts=None)
        return parse_scenario(data, source=f"{self.scenario.name} with a staffing plan")

    def needs(self, missed: frozenset[Cell]) -> np.ndarray:
        """Per plan cell, how many missed cells want an agent there: each in its key's
        cheapest pool, in the missed interval (or, for a channel closed then, the first interval
        it opens)."""
        counts = np.zeros((len(self.pools), self.intervals), dtype=np.int64)
        for key, i in missed:
            counts[self.cheapest[key], self.next_open[key][i]] += 1
        return counts

    def blame(self, missed: frozenset[Cell], near: bool = True) -> np.ndarray:
        """Plan cells whose staffing may have caused the misses: the pools serving the key,
        from the intervals before (a queue carries over: one, and for a deferred channel as
        many as its target spans) to the last that can still answer in time; the plan repeats,
        so the interval before the first is the last. `near=False`: every interval."""
        mask = np.zeros((len(self.pools), self.intervals), dtype=bool)
        for key, i in missed:
            reach = self.reach[key]
            span = np.arange(i - 1 - reach, i + reach + 1) % self.intervals if near else \
                slice(None)
            for row in self.serving[key]:
                mask[row, span] = True
        return mask


def goals_of(scenario: Scenario) -> tuple[Goal, ...]:
    """Every goal the scenario sets: targets and caps of channels, occupancy caps of pools."""
    out = []
    for name, c in scenario.channels.items():
        if c.target is not None:
            out.append(Goal(name, "service_level", c.target.share, True))
        caps = c.caps
        if caps is not None and caps.abandon_rate is not None:
            out.append(Goal(name, "abandon_rate", caps.abandon_rate, False))
        if caps is not None and caps.wait_mean is not None:
            out.append(Goal(name, "wait_mean", caps.wait_mean, False))
    for name, p in scenario.pools.items():
        if p.caps is not None and p.caps.occupancy is not None:
            out.append(Goal(f"{POOL}{name}", "occupancy", p.caps.occupancy, False))
    return tuple(out)


def build_problem(scenario: Scenario) -> Problem:
    """The problem of staffing `scenario`; StaffingError if nothing can be judged."""
    goals = goals_of(scenario)
    if not goals:
        raise StaffingError("no channel has a target (channels.NAME.target = { within, share }"
                            ") or a cap, and no pool a cap: there is nothing to staff for")
    channels = {g.key for g in goals if not g.key.startswith(POOL)}
    pools = tuple(name for name, p in scenario.pools.items()
                  if any(s in channels for s in p.skills) or f"{POOL}{name}" in
                  {g.key for g in goals})
    unserved = [c for c in channels if not any(c in scenario.pools[p].skills for p in pools)]
    if unserved:
        raise StaffingError(f"channels.{sorted(unserved)[0]}: has a target but no pool serves it")
    edges = interval_edges(scenario.interval, scenario.horizon)
    judged = {g: _judged(scenario, g, edges) for g in goals}
    if not any(j.any() for j in judged.values()):
        raise StaffingError("no interval where a target can be met (every channel with a "
                            "target is closed)")
    rows = {name: k for k, name in enumerate(pools)}

    def serving(key: str) -> tuple[int, ...]:
        if key.startswith(POOL):
            return (rows[key.removeprefix(POOL)],)
        return tuple(rows[p] for p in pools if key in scenario.pools[p].skills)

    def cheapest(key: str) -> int:
        return min(serving(key), key=lambda r: (scenario.pools[pools[r]].cost_per_hour,
                                                len(scenario.pools[pools[r]].skills), r))

    keys = list(dict.fromkeys(g.key for g in goals))
    always = np.arange(len(edges) - 1)
    return Problem(
        scenario=scenario, pools=pools, edges=edges, goals=goals, judged=judged,
        cheapest={k: cheapest(k) for k in
                  [*keys, *(c for c in scenario.channels if c not in keys and serving(c))]},
        serving={k: serving(k) for k in keys},
        next_open={k: always if k.startswith(POOL) else
                   _next_open(scenario.channels[k].hours, edges) for k in keys},
        reach={k: _reach(scenario, k) for k in keys},
        extension=_extension(scenario, goals),
    )


def _judged(scenario: Scenario, goal: Goal, edges: np.ndarray) -> np.ndarray:
    if goal.metric == "occupancy":
        return np.ones(len(edges) - 1, dtype=bool)
    channel = scenario.channels[goal.key]
    if goal.metric == "service_level":
        return judged_intervals(channel, edges)
    return open_intervals(channel.hours, edges)


def _reach(scenario: Scenario, key: str) -> int:
    channel = scenario.channels.get(key) if not key.startswith(POOL) else None
    if channel is None or channel.kind == "realtime" or channel.target is None:
        return 0
    return math.ceil(channel.target.within / scenario.interval)


def _extension(scenario: Scenario, goals: tuple[Goal, ...]) -> float:
    """Whole intervals past the horizon covering every target window (at least one interval,
    so the last interval's contacts can still be answered)."""
    windows = [scenario.channels[g.key].target.within for g in goals
               if g.metric == "service_level"]
    longest = max(windows, default=0.0)
    return scenario.interval * max(1, math.ceil(longest / scenario.interval - 1e-9))


def judged_intervals(channel: Channel, edges: np.ndarray) -> np.ndarray:
    """Per interval: can every arrival in it be picked up at an open time in time to meet the
    target? (See the module docstring.)"""
    margin = 0.0 if channel.kind == "realtime" else channel.handle_time.mean
    out = np.zeros(len(edges) - 1, dtype=bool)
    for i, (start, end) in enumerate(pairwise(edges)):
        arrivals = np.append(np.linspace(start, end, SAMPLES, endpoint=False),
                             np.nextafter(end, 0))
        out[i] = all(open_seconds(channel.hours, t, t + channel.target.within - margin) > 0
                     for t in arrivals)
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
