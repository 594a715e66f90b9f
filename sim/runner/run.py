"""A run: replications of one scenario, summarised with confidence intervals."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from sim.engine.records import Records
from sim.metrics import contacts_table, needs_table, summarize
from sim.metrics.contacts import measured
from sim.metrics.needs import measured_needs
from sim.metrics.summary import summarize_columns
from sim.metrics.waits import WAIT_EDGES
from sim.runner import precision as rule
from sim.runner import show
from sim.runner.executors import executor
from sim.runner.precision import DEFAULT_MAX_REPLICATIONS, Precision, PrecisionReport
from sim.runner.replications import Replication, run_batch
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_SEED = 20150101
DEFAULT_REPLICATIONS = 10


@dataclass(frozen=True)
class RunResult:
    """What `sim run` computes. `metrics` and `intervals` are the summaries across replications
    (mean, 95% t-interval); `per_replication` keeps each replication's values; `waits` the
    answered contacts per wait bin (rows: the bins' upper edges in seconds, a column per
    channel). `contacts` and `needs` are the per-record tables when the run kept them in
    memory (None when it wrote them to a sink, or left them out). `precision` says how a run
    with a precision target ended (None without one)."""

    scenario: Scenario
    seed: int
    metrics: pd.DataFrame
    intervals: pd.DataFrame
    per_replication: pd.DataFrame
    waits: pd.DataFrame
    contacts: pd.DataFrame | None
    needs: pd.DataFrame | None
    replications: int
    contacts_simulated: int
    seconds: float
    replication_seconds: list[float]
    precision: PrecisionReport | None = None

    @property
    def scenario_hash(self) -> str:
        return scenario_hash(self.scenario)

    def summary(self) -> pd.DataFrame:
        """A row per channel, `all` and pool (`pool:NAME`), a column per (metric, mean /
        ci_low / ci_high): `metrics` made wide, in stored units (seconds, fractions)."""
        return show.wide(self.metrics, ["channel"])

    def _title(self) -> str:
        return (f"{self.scenario.name} (policy {self.scenario.policy.name}): "
                f"{self.replications} replications, seed {self.seed}")

    def __repr__(self) -> str:
        return "\n  ".join(filter(None, [f"RunResult {self._title()}",
                                        show.headline(self.metrics, self.scenario)]))

    def _repr_html_(self) -> str:
        return show.html([self._title(), show.occupancy(self.metrics)],
                         show.figures(self.metrics, self.scenario))

    def plot(self, kind: str = "waits") -> Figure:
        """A plot of the report as a matplotlib Figure, for a notebook (shown as a cell's
        value; `.savefig(path)` writes it): `waits`, `service_level`, `staffing`, `public`."""
        from sim.report.plots import figure

        return figure(self, kind)


def scenario_hash(scenario: Scenario) -> str:
    """A digest of the validated scenario: the same model gives the same hash, whatever the
    file's layout or comments."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run(scenario: Scenario | str | Path, replications: int = DEFAULT_REPLICATIONS,
        seed: int = DEFAULT_SEED, workers: int = 1,
        on_done: Callable[[Replication], None] | None = None, *,
        scheduler: str | None = None, precision: float | None = None,
        max_replications: int = DEFAULT_MAX_REPLICATIONS,
        precision_metrics: str | Sequence[str | tuple[str, str]] | None = None,
        on_batch: Callable[[int], None] | None = None,
        records: str | RecordSink = "all") -> RunResult:
    """Run `replications` replications of a scenario (a model or a file path).

    `workers` > 1 runs them in local processes; `scheduler` runs them on dask.distributed
    instead ("local": a LocalCluster of `workers` processes; or an address such as
    tcp://HOST:PORT). With `precision` (e.g. 0.05), replications are added until the 95% CI
    half-width of every `precision_metrics` (default: each channel's wait or first reply)
    is within that fraction of its mean, or `max_replications` is reached (see
    sim.runner.precision); `on_batch(n)` is called with the new count before each added
    batch. The results equal a plain run with the final count, on any executor.

    `records` says what becomes of the per-record tables: kept in memory as
    `result.contacts` and `result.needs` ("all"), the needs only ("needs"), neither
    ("none"), or handed to a RecordSink a replication at a time, in replication order, and
    not kept (how `sim run` streams them to files in flat memory).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    sink = records if isinstance(records, RecordSink) else Tables(records)
    wanted = rule.request(precision, max_replications, precision_metrics)
    start = time.perf_counter()
    with executor(workers, scheduler) as pool:
        (tally,), report = replicate(
            [scenario], replications, seed, pool, wanted,
            on_done=(lambda _arm, rep: on_done(rep)) if on_done else None, on_batch=on_batch,
            sinks=[sink])
    result = summarise(scenario, seed, tally, time.perf_counter() - start, report)
    if isinstance(sink, Tables):
        result = replace(result, contacts=sink.table("contacts"), needs=sink.table("needs"))
    return result


@runtime_checkable
class RecordSink(Protocol):
    """Takes each replication's records, in replication order (see `run`)."""

    tables: tuple[str, ...]  # the per-record tables it wants: "contacts", "needs"

    def write(self, replication: int, records: Records) -> None: ...


@dataclass(frozen=True)
class RecordTable:
    """A per-record table: `build(records, replication, idx)` makes its rows `idx`, which
    `measured(records, part)` picks among the rows `part` of the `rows(records)` there are."""

    build: Callable[..., pd.DataFrame]
    measured: Callable[[Records, slice], np.ndarray]
    rows: Callable[[Records], int]


TABLES = {"contacts": RecordTable(contacts_table, measured, len),
          "needs": RecordTable(needs_table, measured_needs, lambda records: len(records.needs))}
RECORDS = {"all": ("contacts", "needs"), "needs": ("needs",), "none": ()}


class Tables:
    """The RecordSink that keeps the per-record tables in memory, for `RunResult`."""

    def __init__(self, which: str = "all") -> None:
        if which not in RECORDS:
            raise ValueError(f"records: one of {', '.join(RECORDS)} or a RecordSink, "
                             f"not {which!r}")
        self.tables = RECORDS[which]
        self._parts: dict[str, list[pd.DataFrame]] = {name: [] for name in self.tables}

    def write(self, replication: int, records: Records) -> None:
        for name in self.tables:
            self._parts[name].append(TABLES[name].build(records, replication))

    def table(self, name: str) -> pd.DataFrame | None:
        parts = self._parts.get(name)
        return pd.concat(parts, ignore_index=True) if parts else None


class Tally:
    """What a run keeps of one arm's replications, taken in replication order: the values of
    its metrics and of its intervals, each a row of floats (their keys once: they follow from
    the scenario), and the waits summed; the records go to `sink` and are dropped. No
    object per replication but two arrays, so that thousands of replications cost little."""

    def __init__(self, sink: RecordSink | None = None) -> None:
        self.sink = sink
        self.replications: list[int] = []
        self.metric_keys: pd.DataFrame | None = None
        self.metric_values: list[np.ndarray] = []
        self.interval_keys: pd.DataFrame | None = None
        self.interval_values: list[np.ndarray] = []
        self.waits: np.ndarray | None = None
        self.contacts = 0
        self.seconds: list[float] = []

    def write(self, replication: int, records: Records) -> None:
        """A replication's records, to the sink (if any)."""
        if self.sink is not None:
            self.sink.write(replication, records)

    def take(self, rep: Replication) -> None:
        if rep.records is not None:
            self.write(rep.replication, rep.records)
        if self.metric_keys is None:
            self.metric_keys = _keys(rep.metrics)
            self.interval_keys = _keys(rep.intervals)
        # copies: what arrived from another process may be a view into the whole message it
        # came in, records included, which would then stay alive as long as the view
        for table, keys, values in ((rep.metrics, self.metric_keys, self.metric_values),
                                    (rep.intervals, self.interval_keys, self.interval_values)):
            if len(table) != len(keys):  # the keys follow from the scenario: never
                raise ValueError(f"replication {rep.replication}: rows differ from the first's")
            values.append(table["value"].to_numpy(float, copy=True))
        self.waits = rep.waits.copy() if self.waits is None else self.waits + rep.waits
        self.replications.append(rep.replication)
        self.contacts += rep.contact_count
        self.seconds.append(rep.seconds)

    @property
    def per_replication(self) -> pd.DataFrame:
        """replication, channel, metric, value: a row per replication and metric."""
        n, keys = len(self.replications), self.metric_keys
        table = keys.iloc[np.tile(np.arange(len(keys)), n)].reset_index(drop=True)
        table.insert(0, "replication", np.repeat(np.array(self.replications), len(keys)))
        return table.assign(value=np.concatenate(self.metric_values))


def _keys(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["replication", "value"]).reset_index(drop=True)


def replicate(scenarios: Sequence[Scenario], replications: int, seed: int,
              pool: Executor | None, wanted: Precision | None = None,
              labels: Sequence[str | None] | None = None,
              on_done: Callable[[int, Replication], None] | None = None,
              on_batch: Callable[[int], None] | None = None,
              sinks: Sequence[RecordSink | None] | None = None,
              ) -> tuple[list[Tally], PrecisionReport | None]:
    """Every scenario's (arm's) replications, the same count for each so that they stay
    paired: `replications`, or, with `wanted`, batches until every arm's chosen metrics are
    precise or the cap is reached. Each arm's records go to its sink (none without `sinks`).
    Also how that ended (None without `wanted`)."""
    tallies = [Tally(sink) for sink in (sinks or [None] * len(scenarios))]
    keep = any(sink is not None and sink.tables for sink in sinks or ())

    def batch(first: int, last: int) -> None:
        run_batch(scenarios, range(first, last), seed, pool, on_done,
                  take=lambda arm, rep: tallies[arm].take(rep), keep_records=keep,
                  records_to=lambda arm, r, records: tallies[arm].write(r, records))

    if wanted is None:
        batch(0, replications)
        return tallies, None
    labels = labels or [None] * len(scenarios)
    metrics = [wanted.chosen(s) for s in scenarios]
    done, target = 0, wanted.first(replications)
    while True:
        batch(done, target)
        done = target
        checks = [c for arm, label in enumerate(labels)
                  for c in rule.check(tallies[arm].per_replication, metrics[arm],
                                      wanted.target, label)]
        if rule.reached(checks) or done >= wanted.max_replications:
            return tallies, PrecisionReport(wanted.target, wanted.max_replications, done,
                                            tuple(checks))
        target = rule.next_count(done, checks, wanted.target, wanted.max_replications)
        if on_batch:
            on_batch(target)


def summarise(scenario: Scenario, seed: int, tally: Tally, seconds: float,
              report: PrecisionReport | None = None) -> RunResult:
    """The RunResult of a scenario's replications (without per-record tables)."""
    labels = {"scenario": scenario.name, "policy": scenario.policy.name}
    per_rep = tally.per_replication
    metrics = summarize(per_rep, ["channel", "metric"], bounded=True)
    intervals = pd.concat([tally.interval_keys,
                           summarize_columns(np.vstack(tally.interval_values),
                                             metrics=tally.interval_keys["metric"])], axis=1)
    for table in (metrics, intervals):
        for position, (column, value) in enumerate(labels.items()):
            table.insert(position, column, value)
    return RunResult(
        scenario=scenario,
        seed=seed,
        metrics=metrics,
        intervals=intervals,
        per_replication=per_rep,
        waits=pd.DataFrame(tally.waits.T, columns=list(scenario.channels),
                           index=pd.Index(WAIT_EDGES[1:], name="wait_below")),
        contacts=None,
        needs=None,
        replications=len(tally.seconds),
        contacts_simulated=tally.contacts,
        seconds=seconds,
        replication_seconds=tally.seconds,
        precision=report,
    )
