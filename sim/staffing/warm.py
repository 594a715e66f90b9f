"""The plan the search starts from: queueing theory on each interval's offered load (the
stationary independent period-by-period rule). Pure.

Agents on duty, per goal key, go to its cheapest planned pool (`Problem.cheapest`); a
multi-skilled pool gets the sum of its channels' starts (no pooling gain is assumed: the
search removes what is not needed).
- realtime: the fewest agents that meet every goal in the steady state of the interval's
  arrival rate and mean work per contact (handle time x messages, slowed by concurrency),
  then divided by the sessions an agent holds: the service level by Erlang C (exactly the
  Erlang C staffing on a stationary scenario; with patience, Erlang C is the conservative
  side), the mean wait of answered contacts and the abandonment share by Erlang A when the
  channel has a patience (its mean), by Erlang C otherwise;
- deferred and public (and realtime without a goal): the load, rounded up; for a deferred
  channel, the work that arrives while it is closed is spread over its open intervals;
- a pool with an occupancy cap: at least its channels' load over the cap.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.scenario.channels import Channel
from sim.staffing.cells import POOL, Goal, Problem, open_intervals
from sim.theory.erlang import erlang_a, mmc_mean_wait, sqrt_staffing

HIGHEST_SHARE = 0.999  # Erlang C never reaches a share of 1: aim just below it
MAX_SERVERS = 1_000_000


def warm_start(problem: Problem, offered: dict[str, np.ndarray]) -> np.ndarray:
    """The starting plan (agents on duty), given the expected contacts offered per channel
    and interval."""
    scenario = problem.scenario
    plan = np.zeros((len(problem.pools), problem.intervals), dtype=np.int64)
    widths = np.diff(problem.edges)
    for key, row in problem.cheapest.items():
        if key.startswith(POOL):
            continue
        goals = [g for g in problem.goals if g.key == key]
        channel = scenario.channels[key]
        counts = np.asarray(offered.get(key, np.zeros(len(widths))), dtype=float)
        is_open = open_intervals(channel.hours, problem.edges)
        plan[row] += channel_start(channel, goals, counts, widths, is_open)
    for goal in problem.goals:
        if goal.metric == "occupancy":
            row = problem.cheapest[goal.key]
            pool = scenario.pools[goal.pool]
            load = sum(offered.get(c, 0.0) / widths * work_per_contact(scenario.channels[c])
                       / scenario.channels[c].concurrency for c in pool.skills)
            plan[row] = np.maximum(plan[row], np.ceil(load / goal.bound - 1e-9).astype(int))
    return plan


def channel_start(channel: Channel, goals: list[Goal], counts: np.ndarray,
                  widths: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """Agents per interval for one channel: `counts` contacts offered in intervals of `widths`
    seconds, open where `is_open`."""
    work = work_per_contact(channel)
    rate = counts / widths
    if channel.kind == "realtime":
        servers = [fewest_servers(channel, goals, r, work) if r > 0 and o else 0
                   for r, o in zip(rate, is_open, strict=True)]
        return np.array([math.ceil(s / channel.concurrency) for s in servers], dtype=np.int64)
    load = rate * work / channel.concurrency
    if is_open.any():
        load = load + (load[~is_open] * widths[~is_open]).sum() / widths[is_open].sum()
    return np.where(is_open, np.ceil(load - 1e-9), 0).astype(np.int64)


def fewest_servers(channel: Channel, goals: list[Goal], rate: float, work: float) -> int:
    """The fewest servers meeting every goal of a realtime channel in the steady state."""
    patience = channel.patience.mean if channel.patience is not None else math.inf
    need = math.floor(rate * work) + 1 if patience == math.inf else 1  # stable
    for goal in goals:
        if goal.metric == "service_level":
            need = max(need, sqrt_staffing(rate, work, min(goal.bound, HIGHEST_SHARE),
                                           channel.target.within))
        elif goal.metric == "wait_mean":
            need = _first(need, lambda c, cap=goal.bound: _wait(c, rate, work, patience) <= cap)
        elif goal.metric == "abandon_rate" and patience < math.inf:
            need = _first(need, lambda c, cap=goal.bound:
                          erlang_a(c, rate, work, patience).p_abandon <= cap)
    return need


def _wait(servers: int, rate: float, work: float, patience: float) -> float:
    if patience == math.inf:
        return mmc_mean_wait(servers, rate, work)
    return erlang_a(servers, rate, work, patience).mean_wait_served


def _first(start: int, ok: Callable[[int], bool]) -> int:
    """The smallest c >= start with ok(c) (ok is monotone in c)."""
    c = start
    while not ok(c):
        c += 1
        if c > MAX_SERVERS:
            raise ValueError("no number of servers meets the goal")
    return c


def work_per_contact(channel: Channel) -> float:
    """Mean agent-seconds a session holds: handle time per exchange x exchanges, slowed by
    the other sessions of a full agent."""
    messages = max(1.0, channel.messages.mean) if channel.messages is not None else 1.0
    slowdown = 1.0 + channel.concurrency_slowdown * (channel.concurrency - 1)
    return channel.handle_time.mean * messages * slowdown


def work_floor(problem: Problem, offered: dict[str, np.ndarray]) -> np.ndarray:
    """Per planned pool, the agent-seconds on duty over the horizon that the work of the
    channels it answers for (`Problem.cheapest`) takes: a plan below it builds a backlog day
    after day, however its one simulated day looks."""
    floor = np.zeros(len(problem.pools))
    for key, row in problem.cheapest.items():
        if key.startswith(POOL):
            continue
        channel = problem.scenario.channels[key]
        floor[row] += offered.get(key, np.zeros(1)).sum() * work_per_contact(channel) / \
            channel.concurrency
    return floor
