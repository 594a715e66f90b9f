"""Judging a plan by simulation, on common random numbers.

Every plan runs the same replications (seeds), reduced in the worker to counts per channel
and interval (offered, first contacts, judged, met, answered, abandoned, total wait) and
agent-seconds per pool and interval (busy, on duty). A goal's value in an interval is the
pooled ratio over the replications (e.g. contacts answered in time / contacts judged): the
estimate of the per-contact probability that Erlang C gives, unbiased by empty intervals,
with a 95% t-interval from the spread of the replications (ratio estimator). The verdict on
a cell is three-way: significantly missed (the interval lies on the wrong side of the goal),
significantly met, or unsure; the search (`search.py`) moves a plan cell only on evidence.
Asking every cell to be significantly met instead, as a first version did, turns the
sampling noise of every cell into agents. The replication count (`sample.py`) sets the power,
and a confirming run on other seeds checks the result (`confirm.py`).
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics.contacts import measured
from sim.metrics.outcomes import outcomes
from sim.metrics.pools import pool_seconds
from sim.metrics.summary import t_quantile
from sim.runner.executors import run_tasks
from sim.scenario.schema import Scenario
from sim.staffing.cells import Cell, Goal, Problem
from sim.staffing.search import Verdict

COUNTS = ("offered", "first", "judged", "met", "answered", "abandoned", "wait")
SECONDS = ("busy", "duty")
# goal metric -> (numerator, denominator) among the counts or seconds
RATIOS = {"service_level": ("met", "judged"), "abandon_rate": ("abandoned", "offered"),
          "wait_mean": ("wait", "answered"), "occupancy": ("busy", "duty")}


def cell_counts(scenario: Scenario, seed: int, replication: int,
                edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One replication reduced to what staffing reads: counts shaped (COUNTS, channels, bins)
    and agent-seconds shaped (SECONDS, pools, bins), for the bins of `edges`."""
    records = simulate(scenario, replication_seed(seed, replication))
    o = outcomes(records, scenario)
    bins, n_channels = len(edges) - 1, len(records.channels)
    bin_of = np.searchsorted(edges, o.arrival, side="right") - 1
    keep = (bin_of >= 0) & (bin_of < bins)
    group = (o.channel * bins + bin_of)[keep]
    first = records.parent[measured(records)] < 0
    columns = (np.ones(len(o.arrival)), first, o.judged, o.met, o.answered, o.abandoned,
               np.where(o.answered, o.wait, 0.0))
    counts = np.stack([np.bincount(group, weights=np.asarray(c, float)[keep],
                                   minlength=n_channels * bins) for c in columns])
    busy, duty, _ = pool_seconds(records, scenario, edges)
    return counts.reshape(len(COUNTS), n_channels, bins), np.stack((busy, duty))


@dataclass(frozen=True)
class Sample:
    """Per-replication counts of one plan: (replications, COUNTS, channels, bins) and
    (replications, SECONDS, pools, bins)."""

    counts: np.ndarray
    seconds: np.ndarray

    @property
    def replications(self) -> int:
        return len(self.counts)

    def totals(self, goal: Goal, problem: Problem) -> tuple[np.ndarray, np.ndarray]:
        """The goal's numerator and denominator per replication and bin."""
        num, den = RATIOS[goal.metric]
        if goal.metric == "occupancy":
            p = problem.all_pools.index(goal.pool)
            return self.seconds[:, SECONDS.index(num), p], self.seconds[:, SECONDS.index(den), p]
        c = problem.channels.index(goal.key)
        return self.counts[:, COUNTS.index(num), c], self.counts[:, COUNTS.index(den), c]

    def mean(self, channel: int, count: str) -> np.ndarray:
        """Mean of one count per bin over the replications."""
        return self.counts[:, COUNTS.index(count), channel].mean(axis=0)


def pooled(num: np.ndarray, den: np.ndarray, axis: int = 0,
           confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The pooled ratio sum(num) / sum(den) over replications (`axis`), and the half-width
    of its `confidence` t-interval (ratio estimator, delta method); NaN where den is 0."""
    n = num.shape[axis]
    total = den.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(total > 0, num.sum(axis=axis) / total, np.nan)
        residual = num - np.expand_dims(np.nan_to_num(value), axis) * den
        se = residual.std(axis=axis, ddof=1) / (total / n) / np.sqrt(n) if n > 1 else \
            np.full(value.shape, np.nan)
    return value, t_quantile(0.5 + confidence / 2, max(n - 1, 1)) * se


def best_end(goal: Goal, value: np.ndarray, half: np.ndarray) -> np.ndarray:
    """The end of the interval value +- half on the goal's good side (upper for a share to
    reach, lower for a cap); the missed cells are those where even it misses."""
    return value + half if goal.at_least else value - half


def worst_end(goal: Goal, value: np.ndarray, half: np.ndarray) -> np.ndarray:
    """The other end: a cell is significantly met when it meets the goal."""
    return value - half if goal.at_least else value + half


def meets(goal: Goal, value: np.ndarray) -> np.ndarray:
    """Does each value meet the goal? NaN (no contacts, no agents) does."""
    with np.errstate(invalid="ignore"):
        ok = value >= goal.bound - 1e-9 if goal.at_least else value <= goal.bound + 1e-9
    return ok | np.isnan(value)


class Evaluator:
    """Runs plans on replications `first .. first + replications - 1` of `seed`, in this
    process or on `pool`, and remembers each plan's sample (a plan judged twice is simulated
    once)."""

    def __init__(self, problem: Problem, replications: int, seed: int,
                 pool: Executor | None = None, first: int = 0) -> None:
        self.problem, self.replications, self.seed = problem, replications, seed
        self.pool, self.first = pool, first
        self.simulations = 0  # scenarios simulated (each on every replication)
        self._samples: dict[bytes, Sample] = {}

    def run(self, scenario: Scenario) -> Sample:
        """The sample of `scenario` (already extended past the horizon by the caller)."""
        self.simulations += 1
        tasks = [(scenario, self.seed, r, self.problem.edges)
                 for r in range(self.first, self.first + self.replications)]
        parts = run_tasks(cell_counts, tasks, self.pool)
        return Sample(np.stack([c for c, _ in parts]), np.stack([s for _, s in parts]))

    def sample(self, plan: np.ndarray) -> Sample:
        key = np.ascontiguousarray(plan, dtype=np.int64).tobytes()
        if key not in self._samples:
            self._samples[key] = self.run(self.problem.simulated(plan))
        return self._samples[key]

    def verdict(self, plan: np.ndarray) -> Verdict:
        """The judged cells where `plan` significantly misses a goal, or is unsure to meet
        it."""
        return verdict_of(self.sample(plan), self.problem)


def verdict_of(sample: Sample, problem: Problem) -> Verdict:
    """Judged cells (goal key, interval) whose 95% CI lies wholly on the wrong side of a goal
    (missed), or reaches it (unsure). With one replication, or no spread, the CI is the
    value itself."""
    missed: set[Cell] = set()
    unsure: set[Cell] = set()
    for goal in problem.goals:
        value, half = pooled(*sample.totals(goal, problem))
        half = np.nan_to_num(half)
        judged = problem.judged[goal]
        missed.update((goal.key, int(i)) for i in
                      np.flatnonzero(judged & ~meets(goal, best_end(goal, value, half))))
        unsure.update((goal.key, int(i)) for i in
                      np.flatnonzero(judged & ~meets(goal, worst_end(goal, value, half))))
    return Verdict(frozenset(missed), frozenset(unsure | missed))


def missed_cells(sample: Sample, problem: Problem) -> frozenset[Cell]:
    """Judged cells significantly missing a goal."""
    return verdict_of(sample, problem).missed
