"""A run: replications of one scenario, summarised with confidence intervals."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.metrics import summarize
from sim.runner import precision as rule
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
    (mean, 95% t-interval); `per_replication` keeps each replication's values. `precision`
    says how a run with a precision target ended (None without one)."""

    scenario: Scenario
    seed: int
    metrics: pd.DataFrame
    intervals: pd.DataFrame
    per_replication: pd.DataFrame
    contacts: pd.DataFrame
    needs: pd.DataFrame
    replications: int
    contacts_simulated: int
    seconds: float
    replication_seconds: list[float]
    precision: PrecisionReport | None = None

    @property
    def scenario_hash(self) -> str:
        return scenario_hash(self.scenario)

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
        on_batch: Callable[[int], None] | None = None) -> RunResult:
    """Run `replications` replications of a scenario (a model or a file path).

    `workers` > 1 runs them in local processes; `scheduler` runs them on dask.distributed
    instead ("local": a LocalCluster of `workers` processes; or an address such as
    tcp://HOST:PORT). With `precision` (e.g. 0.05), replications are added until the 95% CI
    half-width of every `precision_metrics` (default: each channel's wait or first reply)
    is within that fraction of its mean, or `max_replications` is reached (see
    sim.runner.precision); `on_batch(n)` is called with the new count before each added
    batch. The results equal a plain run with the final count, on any executor.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    wanted = rule.request(precision, max_replications, precision_metrics)
    start = time.perf_counter()
    with executor(workers, scheduler) as pool:
        (reps,), report = replicate(
            [scenario], replications, seed, pool, wanted,
            on_done=(lambda _arm, rep: on_done(rep)) if on_done else None, on_batch=on_batch)
    return summarise(scenario, seed, reps, time.perf_counter() - start, report)


def replicate(scenarios: Sequence[Scenario], replications: int, seed: int,
              pool: Executor | None, wanted: Precision | None = None,
              labels: Sequence[str | None] | None = None,
              on_done: Callable[[int, Replication], None] | None = None,
              on_batch: Callable[[int], None] | None = None,
              ) -> tuple[list[list[Replication]], PrecisionReport | None]:
    """Every scenario's (arm's) replications, the same count for each so that they stay
    paired: `replications`, or, with `wanted`, batches until every arm's chosen metrics are
    precise or the cap is reached. Also how that ended (None without `wanted`)."""
    if wanted is None:
        return run_batch(scenarios, range(replications), seed, pool, on_done), None
    labels = labels or [None] * len(scenarios)
    metrics = [wanted.chosen(s) for s in scenarios]
    reps: list[list[Replication]] = [[] for _ in scenarios]
    done, target = 0, wanted.first(replications)
    while True:
        for arm, batch in enumerate(run_batch(scenarios, range(done, target), seed, pool,
                                              on_done)):
            reps[arm] += batch
        done = target
        checks = [c for arm, label in enumerate(labels)
                  for c in rule.check(_per_replication(reps[arm]), metrics[arm],
                                      wanted.target, label)]
        if rule.reached(checks) or done >= wanted.max_replications:
            return reps, PrecisionReport(wanted.target, wanted.max_replications, done,
                                         tuple(checks))
        target = rule.next_count(done, checks, wanted.target, wanted.max_replications)
        if on_batch:
            on_batch(target)


def _per_replication(reps: Sequence[Replication]) -> pd.DataFrame:
    return pd.concat([r.metrics for r in reps], ignore_index=True)


def summarise(scenario: Scenario, seed: int, reps: Sequence[Replication], seconds: float,
              report: PrecisionReport | None = None) -> RunResult:
    """The RunResult of a scenario's replications (in replication order)."""
    labels = {"scenario": scenario.name, "policy": scenario.policy.name}
    per_rep = _per_replication(reps)
    metrics = summarize(per_rep, ["channel", "metric"])
    intervals = summarize(pd.concat([r.intervals for r in reps], ignore_index=True),
                          ["interval_start", "channel", "metric"])
    for table in (metrics, intervals):
        for position, (column, value) in enumerate(labels.items()):
            table.insert(position, column, value)
    return RunResult(
        scenario=scenario,
        seed=seed,
        metrics=metrics,
        intervals=intervals,
        per_replication=per_rep,
        contacts=pd.concat([r.contacts for r in reps], ignore_index=True),
        needs=pd.concat([r.needs for r in reps], ignore_index=True),
        replications=len(reps),
        contacts_simulated=sum(r.contact_count for r in reps),
        seconds=seconds,
        replication_seconds=[r.seconds for r in reps],
        precision=report,
    )
