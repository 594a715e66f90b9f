"""The plan the search starts from: queueing theory on each interval's offered load. Pure.

Each channel's agents go to its cheapest planned pool (`Problem.cheapest`); a multi-skilled
pool gets the sum of its channels' starts (no pooling gain is assumed: the search removes what
is not needed).
- realtime with a target: Erlang C square-root staffing (`sqrt_staffing`) for the interval's
  arrival rate and the channel's mean work per contact (handle time x messages, slowed by
  concurrency), then divided by the sessions an agent holds;
- deferred and public (and realtime without a target): the load, rounded up; for a deferred
  channel, the work that arrives while it is closed is spread over its open intervals.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.channels import Channel
from sim.scenario.schema import Scenario
from sim.staffing.cells import Problem, open_intervals
from sim.theory.erlang import sqrt_staffing

HIGHEST_SHARE = 0.999  # Erlang C never reaches a share of 1: aim just below it


def warm_start(scenario: Scenario, problem: Problem,
               offered: dict[str, np.ndarray]) -> np.ndarray:
    """The starting plan, given the mean contacts offered per channel and interval."""
    plan = np.zeros((len(problem.pools), problem.intervals), dtype=np.int64)
    widths = np.diff(problem.edges)
    for name, row in problem.cheapest.items():
        channel = scenario.channels[name]
        counts = np.asarray(offered.get(name, np.zeros(len(widths))), dtype=float)
        is_open = open_intervals(channel.hours, problem.edges)
        plan[row] += channel_start(channel, counts, widths, is_open)
    return plan


def channel_start(channel: Channel, counts: np.ndarray, widths: np.ndarray,
                  is_open: np.ndarray) -> np.ndarray:
    """Agents per interval for one channel: `counts` contacts offered in intervals of `widths`
    seconds, open where `is_open`."""
    work = work_per_contact(channel)
    rate = counts / widths
    if channel.kind == "realtime" and channel.target is not None:
        share = min(channel.target.share, HIGHEST_SHARE)
        servers = [sqrt_staffing(r, work, share, channel.target.within) if r > 0 and o else 0
                   for r, o in zip(rate, is_open, strict=True)]
        return np.array([math.ceil(s / channel.concurrency) for s in servers], dtype=np.int64)
    load = rate * work / channel.concurrency
    if channel.kind != "realtime" and is_open.any():
        load = load + (load[~is_open] * widths[~is_open]).sum() / widths[is_open].sum()
    return np.where(is_open, np.ceil(load - 1e-9), 0).astype(np.int64)


def work_per_contact(channel: Channel) -> float:
    """Mean agent-seconds a session holds: handle time per exchange x exchanges, slowed by
    the other sessions of a full agent."""
    messages = max(1.0, channel.messages.mean) if channel.messages is not None else 1.0
    slowdown = 1.0 + channel.concurrency_slowdown * (channel.concurrency - 1)
    return channel.handle_time.mean * messages * slowdown
