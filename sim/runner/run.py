"""A run: replications of one scenario, summarised with confidence intervals."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.metrics import summarize
from sim.runner.replications import Replication, run_replications
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

DEFAULT_SEED = 20150101
DEFAULT_REPLICATIONS = 10


@dataclass(frozen=True)
class RunResult:
    """What `sim run` computes. `metrics` and `intervals` are the summaries across replications
    (mean, 95% t-interval); `per_replication` keeps each replication's values."""

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

    @property
    def scenario_hash(self) -> str:
        return scenario_hash(self.scenario)


def scenario_hash(scenario: Scenario) -> str:
    """A digest of the validated scenario: the same model gives the same hash, whatever the
    file's layout or comments."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run(scenario: Scenario | str | Path, replications: int = DEFAULT_REPLICATIONS,
        seed: int = DEFAULT_SEED, workers: int = 1,
        on_done: Callable[[Replication], None] | None = None) -> RunResult:
    """Run `replications` replications of a scenario (a model or a file path)."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    start = time.perf_counter()
    reps = run_replications(scenario, replications, seed, workers, on_done)
    labels = {"scenario": scenario.name, "policy": scenario.policy.name}
    per_rep = pd.concat([r.metrics for r in reps], ignore_index=True)
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
        replications=replications,
        contacts_simulated=sum(r.contact_count for r in reps),
        seconds=time.perf_counter() - start,
        replication_seconds=[r.seconds for r in reps],
    )
