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
from functools import partial

import numpy as np
import pandas as pd

from sim.engine.records import Records
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import interval_metrics, replication_metrics
from sim.metrics.sums import replication_sums
from sim.metrics.waits import wait_counts
from sim.runner.executors import run_tasks, shared
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Replication:
    """The tables of one replication, and how long it took."""

    replication: int
    metrics: pd.DataFrame  # replication, channel, metric, value
    intervals: pd.DataFrame  # replication, interval_start, channel, metric, value
    waits: np.ndarray  # answered contacts per channel and wait bin (sim.metrics.waits)
    records: Records | None  # the raw records, when per-record tables are wanted
    contact_count: int  # contacts simulated, warm-up included
    seconds: float


def run_replication(scenario: Scenario, seed: int, replication: int,
                    keep_records: bool = False,
                    on_records: Callable[[Records], None] | None = None) -> Replication:
    """Simulate replication `replication` of `scenario` and reduce it to tables; with
    `keep_records`, its records come back too (for the per-record tables: the columnar
    records are smaller than the tables, which are built where they are written). In this
    process, `on_records` takes them instead, before the tables are made: their files are
    then written (on a thread, see sim.report.records) while this thread reduces them."""
    start = time.perf_counter()
    records = simulate(scenario, replication_seed(seed, replication))
    if on_records is not None:
        on_records(records)
        keep_records = False
    sums = replication_sums(records, scenario)  # once, for both tables
    metrics = replication_metrics(records, scenario, sums)
    intervals = interval_metrics(records, scenario, sums)
    for table in (metrics, intervals):
        table.insert(0, "replication", replication)
    return Replication(replication, metrics, intervals, wait_counts(records),
                       records if keep_records else None, len(records),
                       time.perf_counter() - start)


def run_batch(scenarios: Sequence[Scenario], replications: range, seed: int,
              pool: Executor | None = None,
              on_done: Callable[[int, Replication], None] | None = None,
              take: Callable[[int, Replication], None] | None = None,
              keep_records: bool = False,
              records_to: Callable[[int, int, Records], None] | None = None) -> None:
    """Replications `replications` of every scenario (arm): in this process, or on `pool`
    (see sim.runner.executors). `on_done(arm, replication)` is called as each finishes (for
    progress); `take(arm, replication)` in order, each arm's replications in replication
    order, arm after arm, and nothing else keeps them. With `keep_records`, each
    replication's records go to `records_to(arm, replication, records)` if given, in the
    same order (in this process, as soon as they are simulated), or with the replication to
    `take` otherwise."""
    keys = [(k, r) for k in range(len(scenarios)) for r in replications]
    done = None if on_done is None else (lambda i, rep: on_done(keys[i][0], rep))
    models = [shared(pool, scenario) for scenario in scenarios]
    early = pool is None and keep_records and records_to is not None
    tasks = [(models[k], seed, r, keep_records,
              partial(records_to, k, r) if early else None) for k, r in keys]
    run_tasks(run_replication, tasks, pool, done,
              reduce=lambda i, rep: take(keys[i][0], rep) if take else None)
