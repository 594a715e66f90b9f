"""The values `sim baseline` stores and `sim check` compares: each checked metric of each
replication, for many (scenario, seed, replications) jobs at once.

All the jobs' replications go to one pool of workers (starting a pool per baseline would
cost more than a small baseline's replications), and only the checked metrics travel back.
A replication's values depend on its scenario, seed and index alone, not on the workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.check.baseline import Values
from sim.check.directions import checked
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import replication_metrics
from sim.runner.executors import executor, run_tasks
from sim.scenario.schema import Scenario

Job = tuple[Scenario, int, int]  # scenario, seed, replications
Row = tuple[str, str, float]  # channel, metric, value


def replication_values(scenario: Scenario, seed: int, replication: int) -> list[Row]:
    """The checked metrics of one replication (a task for a worker)."""
    table = replication_metrics(simulate(scenario, replication_seed(seed, replication)),
                                scenario)
    return [(c, m, float(v)) for c, m, v in zip(table.channel, table.metric, table.value,
                                                 strict=True) if checked(c, m)]


def measure(jobs: Sequence[Job], workers: int = 1,
            on_done: Callable[[int], None] | None = None) -> list[Values]:
    """Per job, each checked metric's value in replications 0..n-1 (NaN where a replication
    has none). `on_done(job)` is called as each replication finishes (for progress)."""
    keys = [(k, r) for k, (_, _, n) in enumerate(jobs) for r in range(n)]
    done = None if on_done is None else (lambda i, _rows: on_done(keys[i][0]))
    with executor(workers) as pool:
        found = run_tasks(replication_values,
                          [(jobs[k][0], jobs[k][1], r) for k, r in keys], pool, done)
    rows = dict(zip(keys, found, strict=True))
    out = []
    for k, (_, _, n) in enumerate(jobs):
        values: Values = {}
        for r in range(n):
            for channel, metric, value in rows[k, r]:
                values.setdefault((channel, metric), np.full(n, np.nan))[r] = value
        out.append(values)
    return out
