"""Replications: one SeedSequence each, run in this process or in local worker processes.

Each replication is computed and reduced to small tables where it runs, and
results are put back in replication order, so the output does not depend on
how many workers there were or which finished first.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import contacts_table, interval_metrics, needs_table, replication_metrics
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


def run_replications(scenario: Scenario, replications: int, seed: int, workers: int = 1,
                     on_done: Callable[[Replication], None] | None = None) -> list[Replication]:
    """Replications 0..n-1 in order; `on_done` is called as each finishes (for progress)."""
    if workers <= 1 or replications <= 1:
        results = []
        for r in range(replications):
            results.append(run_replication(scenario, seed, r))
            if on_done:
                on_done(results[-1])
        return results
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, replications), mp_context=context) as pool:
        futures = [pool.submit(run_replication, scenario, seed, r) for r in range(replications)]
        for future in as_completed(futures):
            if on_done:
                on_done(future.result())
        return [future.result() for future in futures]
