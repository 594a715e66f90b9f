"""Replications: one SeedSequence each, run in this process or on an executor (local worker
processes or dask, see sim.runner.executors).

Each replication is computed and reduced to small tables where it runs, and
results are put back in replication order, so the output does not depend on
how many workers there were or which finished first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import contacts_table, interval_metrics, needs_table, replication_metrics
from sim.runner.executors import run_tasks
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Replication:
    """The tables of one replication, and how long it took."""

    replication: int
    metrics: pd.DataFrame  # channel, metric, value
    intervals: pd.DataFrame  # interval_start, channel, metric, value
    contacts: pd.DataFrame  # one row per contact of the measured period
    needs: pd.DataFrame  # one row per need of the measured period
    contact_count: int  # contacts simulated, warm-up included
    seconds: float


def run_replication(scenario: Scenario, seed: int, replication: int) -> Replication:
    """Simulate replication `replication` of `scenario` and reduce it to tables."""
    start = time.perf_counter()
    records = simulate(scenario, replication_seed(seed, replication))
    metrics = replication_metrics(records, scenario)
    intervals = interval_metrics(records, scenario)
    contacts = contacts_table(records, replication)
    needs = needs_table(records, replication)
    for table in (metrics, intervals):
        table.insert(0, "replication", replication)
    return Replication(replication, metrics, intervals, contacts, needs, len(records),
                       time.perf_counter() - start)


def run_batch(scenarios: Sequence[Scenario], replications: range, seed: int,
              pool: Executor | None = None,
              on_done: Callable[[int, Replication], None] | None = None,
              ) -> list[list[Replication]]:
    """Replications `replications` of every scenario (arm), each arm's in order; in this
    process, or all at once on `pool` (see sim.runner.executors). `on_done(arm, replication)`
    is called as each finishes (for progress)."""
    keys = [(k, r) for k in range(len(scenarios)) for r in replications]
    done = None if on_done is None else (lambda i, rep: on_done(keys[i][0], rep))
    results = run_tasks(run_replication, [(scenarios[k], seed, r) for k, r in keys], pool,
                        done)
    n = len(replications)
    return [results[k * n:(k + 1) * n] for k in range(len(scenarios))]
