"""A sweep: the same scenario run at every point of a grid, every point with the same seed
(common random numbers), on dask.distributed.

Each point is one `run(scenario, replications, seed)` on a worker (its replications run one
after another there). When a point finishes, its summary is stored atomically in
`OUT/points/<key>.parquet`, the key a hash of the validated scenario at that point, the seed
and the number of replications; a sweep started again skips the points already stored. The
result is one tidy table in point order, so it does not depend on how many workers there were
or which point finished first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.report.atomic import write_atomic
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED, run, scenario_hash
from sim.scenario.schema import Scenario

VALUE_COLUMNS = ["channel", "metric", "mean", "ci_low", "ci_high", "replications"]
POINTS_DIR = "points"


@dataclass(frozen=True)
class Point:
    """One point of a sweep: the swept values and the validated scenario they give."""

    values: dict[str, object]
    scenario: Scenario


@dataclass(frozen=True)
class SweepResult:
    """What `sim sweep` computes: `table` has one column per swept key, then VALUE_COLUMNS."""

    keys: list[str]
    table: pd.DataFrame
    seed: int
    replications: int
    points: int
    skipped: int  # points already stored by an earlier sweep
    seconds: float


def point_key(point: Point, replications: int, seed: int) -> str:
    """The file name (without .parquet) of a point's stored result."""
    canonical = json.dumps({"scenario": scenario_hash(point.scenario), "seed": seed,
                            "replications": replications}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def run_point(scenario: Scenario, replications: int, seed: int) -> pd.DataFrame:
    """On a worker: the point's summary table (VALUE_COLUMNS)."""
    result = run(scenario, replications=replications, seed=seed, workers=1)
    return result.metrics[VALUE_COLUMNS].reset_index(drop=True)


def _with_point(metrics: pd.DataFrame, values: dict[str, object]) -> pd.DataFrame:
    table = metrics[VALUE_COLUMNS].copy()
    for position, (key, value) in enumerate(values.items()):
        table.insert(position, key, [value] * len(table))
    return table


def sweep(points: Sequence[Point], out: Path, replications: int = DEFAULT_REPLICATIONS,
          seed: int = DEFAULT_SEED, workers: int = 1, scheduler: str | None = None,
          on_done: Callable[[int], None] | None = None) -> SweepResult:
    """Run every point not already stored under `out/points/`, store each as it finishes,
    and return the table of every point, in point order. `on_done(index)` is called for each
    point, stored ones first. `scheduler` is a dask scheduler address; without it a local
    cluster of `workers` processes (loopback only) runs the points."""
    if not points:
        raise ValueError("sweep: no points")
    keys = list(points[0].values)
    start = time.perf_counter()
    folder = out / POINTS_DIR
    paths = [folder / f"{point_key(p, replications, seed)}.parquet" for p in points]
    todo = [i for i, path in enumerate(paths) if not path.exists()]
    skipped = len(points) - len(todo)
    if on_done:
        pending = set(todo)
        for i in range(len(points)):
            if i not in pending:
                on_done(i)
    if todo:
        _run_points(points, paths, todo, replications, seed, workers, scheduler, on_done)
    # stored rows are labelled again with this sweep's keys: the same scenario may have been
    # reached through other keys in an earlier sweep
    tables = [_with_point(pd.read_parquet(path, columns=VALUE_COLUMNS), p.values)
              for path, p in zip(paths, points, strict=True)]
    table = pd.concat(tables, ignore_index=True)
    for key in keys:  # a key whose values mix types (40, "x") is kept as text
        kinds = {type(v) for v in table[key]}
        if len(kinds) > 1 and not kinds <= {int, float}:
            table[key] = table[key].astype(str)
    return SweepResult(keys, table, seed, replications, len(points), skipped,
                       time.perf_counter() - start)


def _run_points(points: Sequence[Point], paths: list[Path], todo: list[int], replications: int,
                seed: int, workers: int, scheduler: str | None,
                on_done: Callable[[int], None] | None) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=min(workers, len(todo)), threads_per_worker=1,
                               processes=True, host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="10s")
    try:
        futures = {}
        for i in todo:
            future = client.submit(run_point, points[i].scenario, replications, seed,
                                   key=f"sweep-point-{paths[i].stem}-{i}", pure=False)
            futures[future] = i
        for future in as_completed(futures):
            i = futures[future]
            table = _with_point(future.result(), points[i].values)
            write_atomic(paths[i], lambda p, t=table: t.to_parquet(p, index=False))
            if on_done:
                on_done(i)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
