"""Judging a plan by simulation: the same replications (seeds) for every plan, so two plans are
compared on the same customers (common random numbers) and a plan's verdict is deterministic.

A judged cell meets its target when the lower end of the 95% t-interval of its service level
across replications reaches the target share (the mean, with a value in only one replication;
a cell nobody reached in any replication is met). Asking the lower end rather than the mean
makes a plan that meets its targets in a fresh run with other seeds, not one that meets them
only on the seeds it was fitted to.
"""

from __future__ import annotations

from concurrent.futures import Executor

import numpy as np
import pandas as pd

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import interval_metrics, summarize
from sim.runner.executors import run_tasks
from sim.scenario.load import parse_scenario
from sim.scenario.schema import Scenario
from sim.staffing.cells import Cell, Problem

METRICS = ("offered", "service_level")


def interval_levels(scenario: Scenario, seed: int, replication: int) -> pd.DataFrame:
    """One replication reduced to what staffing reads: contacts offered and service level per
    channel and interval (interval_start, channel, metric, value, replication)."""
    table = interval_metrics(simulate(scenario, replication_seed(seed, replication)), scenario)
    keep = table.metric.isin(METRICS) & (table.channel != "all") & \
        ~table.channel.str.startswith("pool:")
    return table[keep].assign(replication=replication)


def with_plan(scenario: Scenario, problem: Problem, plan: np.ndarray) -> Scenario:
    """`scenario` with each planned pool's `agents` set to its row of the plan (one count per
    interval, repeating) instead of its own agents or shifts."""
    data = scenario.model_dump()
    for row, name in enumerate(problem.pools):
        data["pools"][name].update(agents=[int(n) for n in plan[row]], shifts=None)
    return parse_scenario(data, source=f"{scenario.name} with a staffing plan")


class Evaluator:
    """Runs plans on the same `replications` seeds, in this process or on `pool`, and remembers
    each plan's table (a plan judged twice is simulated once)."""

    def __init__(self, scenario: Scenario, problem: Problem, replications: int, seed: int,
                 pool: Executor | None = None) -> None:
        self.scenario, self.problem = scenario, problem
        self.replications, self.seed, self.pool = replications, seed, pool
        self.simulations = 0  # plans (or scenarios) simulated
        self._tables: dict[bytes, pd.DataFrame] = {}
        self._shares = {c: scenario.channels[c].target.share for c, _ in problem.cells}

    def run(self, scenario: Scenario) -> pd.DataFrame:
        """Mean and t-interval of offered and service_level per interval_start, channel and
        metric, over the replications."""
        self.simulations += 1
        tables = run_tasks(interval_levels, [(scenario, self.seed, r)
                                             for r in range(self.replications)], self.pool)
        return summarize(pd.concat(tables, ignore_index=True),
                         ["interval_start", "channel", "metric"])

    def table(self, plan: np.ndarray) -> pd.DataFrame:
        key = np.ascontiguousarray(plan, dtype=np.int64).tobytes()
        if key not in self._tables:
            self._tables[key] = self.run(with_plan(self.scenario, self.problem, plan))
        return self._tables[key]

    def missed(self, plan: np.ndarray) -> frozenset[Cell]:
        """The judged cells whose target `plan` does not meet."""
        return self.missed_in(self.table(plan))

    def missed_in(self, table: pd.DataFrame) -> frozenset[Cell]:
        """The judged cells whose target is not met in `table` (as `run` gives)."""
        return missed_cells(table, self.problem, self._shares)


def missed_cells(table: pd.DataFrame, problem: Problem,
                 shares: dict[str, float]) -> frozenset[Cell]:
    """Judged cells of `table` (as `Evaluator.run`) whose service level is below target."""
    levels = table[table.metric == "service_level"].set_index(["channel", "interval_start"])
    starts = problem.edges[:-1]
    out = set()
    for channel, i in problem.cells:
        key = (channel, starts[i])
        if key not in levels.index:
            continue
        row = levels.loc[key]
        value = row["ci_low"] if row["replications"] >= 2 else row["mean"]
        if value < shares[channel] - 1e-9:  # NaN (no contacts) compares False: met
            out.add((channel, i))
    return frozenset(out)
