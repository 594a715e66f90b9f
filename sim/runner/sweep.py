"""A sweep: the same scenario run at every point of a grid, every point with the same seed
(common random numbers), on dask.distributed.

Each point is one `run(scenario, replications, seed)` on a worker (its replications run one
after another there). When a point finishes, its summary is stored atomically in
`OUT/points/<key>.parquet`, the key a hash of what decides the point's result: the validated
scenario at that point, the seed, the number of replications and, with a precision target,
the target, the cap and the metrics. A sweep started again skips the points already stored.
The result is one tidy table in point order, so it does not depend on how many workers there
were or which point finished first.

With a precision target, each point adds replications until its own metrics are precise
(see sim.runner.precision), so points may end with different counts; replications 0..n-1
are the same customers at every point, so common random numbers hold where counts overlap.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.files.atomic import write_atomic
from sim.files.folders import claim
from sim.runner import show
from sim.runner.executors import dask_client, run_tasks
from sim.runner.grid import product
from sim.runner.precision import DEFAULT_MAX_REPLICATIONS, Precision, request
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED, run, scenario_hash
from sim.scenario.changes import plain
from sim.scenario.load import changed_scenario, load_scenario_data, shortened
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

VALUE_COLUMNS = ["channel", "metric", "mean", "ci_low", "ci_high", "replications"]
POINTS_DIR = "points"
SHOWN_POINTS = 20  # rows of a sweep in a notebook


@dataclass(frozen=True)
class Point:
    """One point of a sweep: the swept values and the validated scenario they give."""

    values: dict[str, object]
    scenario: Scenario


@dataclass(frozen=True)
class SweepResult:
    """What `sim sweep` computes: `table` has one column per swept key, then VALUE_COLUMNS.
    `replications` is the count asked for; `point_replications` what each point used (they
    differ only with `precision`)."""

    keys: list[str]
    table: pd.DataFrame
    seed: int
    replications: int
    points: int
    skipped: int  # points already stored by an earlier sweep
    seconds: float
    precision: Precision | None = None
    point_replications: tuple[int, ...] = ()
    grid: dict[str, list[object]] = field(default_factory=dict)  # each key's values, in order
    unreadable: tuple[Path, ...] = ()  # stored points that could not be read: run again
    # each point's target share per channel, by its values as in `table`
    targets: dict[tuple, dict[str, float]] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """A row per point (its swept values) and channel (pools too), a column per (metric,
        mean / ci_low / ci_high), in stored units (seconds, fractions)."""
        return show.wide(self.table, [*self.keys, "channel"])

    def _title(self) -> str:
        axes = "; ".join(f"{key} = {shortened(', '.join(map(str, values)), 60)}"
                         for key, values in self.grid.items())
        return (f"{axes}: {self.points} points, {self.replications} replications, seed "
                f"{self.seed}")

    def __repr__(self) -> str:
        return (f"SweepResult {self._title()}\n  "
                f"{show.sweep_headline(self.table, self.keys, self.targets)}")

    def _repr_html_(self) -> str:
        more = self.points - SHOWN_POINTS
        note = [f"and {more:,} more points: .summary() and .table have every one"] * (more > 0)
        return show.html([self._title()], show.point_table(self.table, self.keys,
                                                           self.targets, SHOWN_POINTS), note)

    def plot(self, channel: str = "all", metric: str | None = None) -> Figure:
        """`metric` of `channel` against the first swept key, a line per combination of the
        other keys, with 95% CIs (as sweep.png), as a matplotlib Figure for a notebook;
        `metric` defaults to service_level (else wait_mean)."""
        from sim.report.sweep import default_plot, sweep_figure

        return sweep_figure(self, channel, metric or default_plot(self.table)[1])


def build_points(source: Scenario | str | Path, grid: Sequence[dict[str, object]]) -> list[Point]:
    """The validated scenario at every point of `grid` (dicts of dotted key -> value, as from
    grid.expand or grid.product), `source` a scenario file or model. ScenarioError, naming
    the file and the point, for a key or value the scenario refuses."""
    if isinstance(source, Scenario):
        name, data = f"<{source.name}>", source.model_dump()
    else:
        name = str(source)
        data = load_scenario_data(source)[1]  # the file itself must be valid
    return [Point(values, changed_scenario(data, values, name)) for values in grid]


def point_key(point: Point, replications: int, seed: int,
              precision: Precision | None = None) -> str:
    """The file name (without .parquet) of a point's stored result."""
    decides: dict[str, Any] = {"scenario": scenario_hash(point.scenario), "seed": seed,
                               "replications": replications}
    if precision is not None:
        metrics = precision.chosen(point.scenario)
        decides["precision"] = [precision.target, precision.max_replications,
                                [list(m) for m in metrics]]
    canonical = json.dumps(decides, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def run_point(scenario: Scenario, replications: int, seed: int,
              precision: Precision | None = None) -> pd.DataFrame:
    """On a worker: the point's summary table (VALUE_COLUMNS)."""
    if precision is None:
        result = run(scenario, replications=replications, seed=seed, records="none")
    else:
        result = run(scenario, replications=replications, seed=seed, records="none",
                     precision=precision.target, max_replications=precision.max_replications,
                     precision_metrics=precision.metrics)
    return result.metrics[VALUE_COLUMNS].reset_index(drop=True)


def _with_point(metrics: pd.DataFrame, values: dict[str, object]) -> pd.DataFrame:
    table = metrics[VALUE_COLUMNS].copy()
    for position, (key, value) in enumerate(values.items()):
        table.insert(position, key, [value] * len(table))
    return table


def sweep(scenario: Scenario | str | Path, grid: Mapping[str, Iterable[object] | object],
          replications: int = DEFAULT_REPLICATIONS, seed: int = DEFAULT_SEED,
          workers: int = 1, scheduler: str | None = None, out: str | Path | None = None, *,
          precision: float | None = None, max_replications: int = DEFAULT_MAX_REPLICATIONS,
          precision_metrics: str | Sequence[str | tuple[str, str]] | None = None,
          on_done: Callable[[int], None] | None = None) -> SweepResult:
    """Run a scenario (a file or a model) at every combination of `grid`'s values, e.g.
    `{"choice.preset": ["survey-2010", "survey-2015"], "pools.phone.agents": range(40, 61, 2)}`
    (dotted scenario keys, the first varying slowest; a single value is a one-value axis).
    The table of the result has one column per key. The points run on dask.distributed: a
    local cluster of `workers` processes, or the scheduler at `scheduler`. Each finished
    point is stored under `out/points/` (a temporary folder when `out` is None), so a sweep
    into the same `out` skips it. `precision` and the rest work as for `run`, per point."""
    axes = {key: _values(values) for key, values in grid.items()}
    points = build_points(scenario, product(axes))
    wanted = request(precision, max_replications, precision_metrics)
    if out is not None:
        return run_points(points, Path(out), replications, seed, workers, scheduler, on_done,
                          wanted)
    with tempfile.TemporaryDirectory(prefix="sim-sweep-") as folder:
        return run_points(points, Path(folder), replications, seed, workers, scheduler,
                          on_done, wanted)


def _values(values: Iterable[object] | object) -> list[object]:
    """An axis's values as plain Python (a numpy number becomes an int or a float)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        values = [values]
    return [plain(v) for v in values]


def run_points(points: Sequence[Point], out: Path, replications: int = DEFAULT_REPLICATIONS,
               seed: int = DEFAULT_SEED, workers: int = 1, scheduler: str | None = None,
               on_done: Callable[[int], None] | None = None,
               precision: Precision | None = None) -> SweepResult:
    """Run every point not already stored under `out/points/`, store each as it finishes,
    and return the table of every point, in point order. `on_done(index)` is called for each
    point, stored ones first. `scheduler` is a dask scheduler address; without it (or with
    "local") a local cluster of `workers` processes (loopback only) runs the points."""
    if not points:
        raise ValueError("sweep: no points")
    keys = list(points[0].values)
    start = time.perf_counter()
    folder = out / POINTS_DIR
    paths = [folder / f"{point_key(p, replications, seed, precision)}.parquet" for p in points]
    stored = {i: table for i, path in enumerate(paths) if (table := _stored(path)) is not None}
    todo = [i for i in range(len(points)) if i not in stored]
    unreadable = tuple(paths[i] for i in todo if paths[i].exists())
    if on_done:
        for i in stored:
            on_done(i)
    if todo:
        with dask_client(scheduler, min(workers, len(todo))) as client:
            claim(out)  # once the scheduler answers: a refused sweep makes no folder
            _submit(client, points, paths, todo, replications, seed, precision, on_done,
                    stored)
    # stored rows are labelled again with this sweep's keys: the same scenario may have been
    # reached through other keys in an earlier sweep
    tables = [_with_point(stored[i], p.values) for i, p in enumerate(points)]
    table = pd.concat(tables, ignore_index=True)
    for key in keys:  # a key whose values mix types (40, "x") is kept as text
        kinds = {type(v) for v in table[key]}
        if len(kinds) > 1 and not kinds <= {int, float}:
            table[key] = table[key].astype(str)
    used = tuple(int(t.replications.max()) for t in tables)  # 'offered' has every replication
    grid = {key: list(dict.fromkeys(p.values[key] for p in points)) for key in keys}
    starts = np.cumsum([0, *map(len, tables)])[:-1]
    targets = {tuple(table.loc[first, keys].tolist()): show.target_shares(p.scenario)
               for first, p in zip(starts, points, strict=True)}
    return SweepResult(keys, table, seed, replications, len(points),
                       len(points) - len(todo), time.perf_counter() - start, precision, used,
                       grid, unreadable, targets)


def _stored(path: Path) -> pd.DataFrame | None:
    """A point stored by an earlier sweep; None if there is none, or if it cannot be read
    (cut short by a crash the atomic write did not cover, or damaged since): run again."""
    try:
        return pd.read_parquet(path, columns=VALUE_COLUMNS)
    except (OSError, ValueError, KeyError):  # pyarrow's ArrowInvalid is a ValueError
        return None


def keep_points(out: Path, folder: Path) -> None:
    """Every point stored under `out/points/` also under `folder/points/` (hard links where
    the file system allows), so that a staged folder replacing `out` keeps them resumable."""
    source = out / POINTS_DIR
    if not source.is_dir():
        return
    (folder / POINTS_DIR).mkdir()
    for path in source.glob("*.parquet"):
        try:
            os.link(path, folder / POINTS_DIR / path.name)
        except FileNotFoundError:  # replaced meanwhile by another sweep: it keeps its own
            continue
        except OSError:
            shutil.copy2(path, folder / POINTS_DIR / path.name)


def _submit(client, points: Sequence[Point], paths: list[Path], todo: list[int],
            replications: int, seed: int, precision: Precision | None,
            on_done: Callable[[int], None] | None, stored: dict[int, pd.DataFrame]) -> None:
    """Run the points `todo` on the dask `client`, storing each as it finishes (on disk, and
    its summary in `stored`)."""

    def store(k: int, metrics: pd.DataFrame) -> None:
        i = todo[k]
        table = _with_point(metrics, points[i].values)
        write_atomic(paths[i], lambda p: table.to_parquet(p, index=False))
        stored[i] = metrics
        if on_done:
            on_done(i)

    run_tasks(run_point, [(points[i].scenario, replications, seed, precision) for i in todo],
              client.get_executor(pure=False), store)
