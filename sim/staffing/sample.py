"""How many replications the sample-average rule needs. Pure.

A cell's decision (one agent more or less) is wrong when the sampling error of its value is
as large as what one agent changes there. So every judged cell of the warm start must have a
standard error at most a quarter of that change: for a realtime service level, the Erlang C
difference between the warm start's servers and one agent fewer (0.26 at 2 Erlangs, 0.037
at 200, for 80/20); for the other goals, which have no such formula, `precision` (in the goal's
units for shares, relative to the cap for the mean wait). The first replications (`-n`) give
each cell's standard error; the 1/sqrt(n) rule scales them to the count needed, at most
`maximum`. Cells the warm start misses significantly are left out of the count: their spread
there (a backlog that some replications clear and others do not) says little about the spread
near the target, where the search will bring them.
"""

from __future__ import annotations

import math

import numpy as np

from sim.metrics.summary import t_quantile
from sim.staffing.cells import Goal, Problem
from sim.staffing.evaluate import Sample, best_end, meets, pooled
from sim.staffing.warm import fewest_servers, work_per_contact
from sim.theory.erlang import mmc_service_level

DEFAULT_PRECISION = 0.05
DEFAULT_MAX_REPLICATIONS = 200
AGENT_SHARE = 0.25  # the standard error allowed, as a share of one agent's effect


def replications_needed(sample: Sample, problem: Problem, offered: dict[str, np.ndarray],
                        precision: float = DEFAULT_PRECISION,
                        maximum: int = DEFAULT_MAX_REPLICATIONS) -> int:
    """The replications that bring every judged cell's standard error within tolerance,
    from `sample` (the warm start's first replications); at least those, at most `maximum`."""
    n = sample.replications
    worst = 0.0
    for goal in problem.goals:
        value, half = pooled(*sample.totals(goal, problem), confidence=0.95)
        se = half / _t(n) * math.sqrt(n)  # one replication's standard error
        tolerance = _tolerance(goal, problem, offered, precision)
        counted = problem.judged[goal] & meets(goal, best_end(goal, value, half))  # not missed
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(counted, (se / tolerance) ** 2, 0.0)
        worst = max(worst, float(np.nanmax(ratio, initial=0.0)))
    return int(min(maximum, max(n, math.ceil(worst - 1e-9))))


def _t(n: int) -> float:
    return float(t_quantile(0.975, max(n - 1, 1)))


def _tolerance(goal: Goal, problem: Problem, offered: dict[str, np.ndarray],
               precision: float) -> np.ndarray:
    """Per interval, the standard error a cell of `goal` may have."""
    widths = np.diff(problem.edges)
    if goal.metric == "wait_mean":
        return np.full(len(widths), precision * goal.bound)
    if goal.metric != "service_level":
        return np.full(len(widths), precision)
    channel = problem.scenario.channels[goal.key]
    if channel.kind != "realtime":
        return np.full(len(widths), precision)
    work = work_per_contact(channel)
    out = np.full(len(widths), precision)
    for i, rate in enumerate(offered.get(goal.key, np.zeros(len(widths))) / widths):
        if rate > 0:
            c = fewest_servers(channel, [goal], rate, work)
            within = channel.target.within
            fewer = c - channel.concurrency
            below = mmc_service_level(fewer, rate, work, within) if fewer > 0 else 0.0
            step = mmc_service_level(c, rate, work, within) - below
            out[i] = AGENT_SHARE * max(step, 1e-3)
    return out
