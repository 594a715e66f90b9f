"""A comparison: several arms (policies, or scenario files) run with the same seeds, and the
paired difference of every metric to the first arm.

Replication r of every arm uses the same seed (`replication_seed(seed, r)`), so the arms see
the same customers (common random numbers). The difference of arm and first arm is then
taken replication by replication, d_r = value_arm_r - value_first_r, and its t-interval is
usually much narrower than the two arms' own intervals suggest: the noise they share cancels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.metrics.summary import t_quantile, within_range
from sim.runner import show
from sim.runner.executors import executor
from sim.runner.precision import DEFAULT_MAX_REPLICATIONS, PrecisionReport, request
from sim.runner.replications import Replication
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED, replicate, summarise
from sim.scenario.load import load_scenario, parse_scenario
from sim.scenario.schema import PolicySpec, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COMPARE_COLUMNS = ["channel", "metric", "arm", "mean", "ci_low", "ci_high", "diff", "diff_low",
                   "diff_high", "significant", "replications"]
SUMMARY_STATS = ["mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high"]


# ---------------------------------------------------------------- pure statistics

def t_interval(values: Sequence[float] | np.ndarray,
               confidence: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values: the Student-t interval, as `summarize`
    computes it. With fewer than two values the interval is NaN; with none, the mean too."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, np.nan, np.nan, 1
    half = float(t_quantile(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


@dataclass(frozen=True)
class Difference:
    """The paired difference other - base over the replications where both are defined."""

    mean: float
    low: float
    high: float
    pairs: int

    @property
    def significant(self) -> bool:
        """The interval excludes 0 (False when there is no interval)."""
        return bool(self.low > 0 or self.high < 0)


def paired_difference(base: Sequence[float] | np.ndarray, other: Sequence[float] | np.ndarray,
                      confidence: float = 0.95) -> Difference:
    """Mean and t-interval of d_r = other_r - base_r, replication by replication; a
    replication where either value is NaN is left out."""
    a = np.asarray(base, dtype=float)
    b = np.asarray(other, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired_difference: {a.shape} and {b.shape} values; one per "
                         "replication in each")
    both = np.isfinite(a) & np.isfinite(b)
    mean, low, high, n = t_interval(b[both] - a[both], confidence)
    return Difference(mean, low, high, n)


def compare_table(per_replication: Mapping[str, pd.DataFrame],
                  confidence: float = 0.95) -> pd.DataFrame:
    """The comparison of arms, one row per (channel, metric) and arm, in COMPARE_COLUMNS.

    `per_replication` maps each arm's label, first arm first, to its per-replication table
    (replication, channel, metric, value, as `RunResult.per_replication`). An arm gets a row
    for each (channel, metric) it has: its mean and t-interval across replications, and,
    after the first arm, the paired difference to the first arm (`diff`, `diff_low`,
    `diff_high`, `significant`: the interval excludes 0). The first arm's own difference
    columns are empty. `replications` counts the arm's replications with a value.
    """
    arms = list(per_replication)
    if not arms:
        raise ValueError("compare_table: no arms")
    stacked = pd.concat([table[["replication", "channel", "metric", "value"]].assign(arm=arm)
                         for arm, table in per_replication.items()], ignore_index=True)
    if stacked.duplicated(["arm", "channel", "metric", "replication"]).any():
        raise ValueError("compare_table: several values for one arm, channel, metric and "
                         "replication")
    keys = list(dict.fromkeys(zip(stacked.channel, stacked.metric, strict=True)))
    present = set(zip(stacked.arm, stacked.channel, stacked.metric, strict=True))
    wide = stacked.pivot(index=["channel", "metric", "replication"], columns="arm",
                         values="value").astype(float)
    rows = []
    for channel, metric in keys:
        block = wide.loc[(channel, metric)]
        base = block[arms[0]].to_numpy() if arms[0] in block else None
        for position, arm in enumerate(arms):
            if (arm, channel, metric) not in present:
                continue
            values = block[arm].to_numpy()
            mean, low, high, n = t_interval(values, confidence)
            diff = Difference(np.nan, np.nan, np.nan, 0)
            if position > 0 and (arms[0], channel, metric) in present:
                diff = paired_difference(base, values, confidence)
            rows.append((channel, metric, arm, mean, low, high, diff.mean, diff.low,
                         diff.high, diff.significant, n))
    table = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    # an arm's own interval stays within its metric's range; a difference may be negative
    table["ci_low"], table["ci_high"] = within_range(table.ci_low, table.ci_high, table.metric)
    return table.astype({"significant": bool, "replications": np.int64})


# ---------------------------------------------------------------- arms

def policy_arms(scenario: Scenario, policies: Sequence[str],
                source: str = "<scenario>") -> list[Scenario]:
    """One scenario per policy name, validated again (ScenarioError, e.g. for an unknown
    policy, naming `source`). A name equal to the scenario's own policy keeps its options."""
    arms = []
    for name in policies:
        if name == scenario.policy.name:
            arms.append(scenario)
            continue
        changed = scenario.model_copy(update={"policy": PolicySpec(name=name)})
        arms.append(parse_scenario(changed.model_dump(), source=f"{source} with policy {name!r}"))
    return arms


def arm_labels(scenarios: Sequence[Scenario], paths: Sequence[str | Path] | None = None,
               by_policy: bool = False) -> list[str]:
    """Short unique labels: the policy names (`by_policy`), else the scenario names, or the
    file stems if names clash; any label still repeated gets -2, -3, ..."""
    if by_policy:
        labels = [s.policy.name for s in scenarios]
    else:
        labels = [s.name for s in scenarios]
        if paths is not None and len(set(labels)) < len(labels):
            labels = [Path(p).stem for p in paths]
    return unique_labels(labels)


def unique_labels(labels: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for label in labels:
        candidate, k = label, 1
        while candidate in seen:
            k += 1
            candidate = f"{label}-{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


@dataclass(frozen=True)
class Arm:
    """One arm's results (without the per-contact tables, to keep memory small)."""

    label: str
    scenario: Scenario
    metrics: pd.DataFrame  # as RunResult.metrics
    per_replication: pd.DataFrame  # replication, channel, metric, value
    scenario_hash: str
    contacts_simulated: int
    seconds: float  # the arm's share of the work: its replications' seconds, summed
    replication_seconds: list[float]
    source: str | None = None  # the scenario file, when there was one

    def __repr__(self) -> str:
        return f"Arm {self.label}: {show.headline(self.metrics, self.scenario)}"


@dataclass(frozen=True)
class Comparison:
    """What `sim compare` computes: each arm, and `table` (COMPARE_COLUMNS). `precision` says
    how a comparison with a precision target ended (None without one)."""

    arms: list[Arm]
    table: pd.DataFrame
    seed: int
    replications: int
    seconds: float
    precision: PrecisionReport | None = None

    @property
    def labels(self) -> list[str]:
        return [arm.label for arm in self.arms]

    @property
    def metrics(self) -> pd.DataFrame:
        """Every arm's metrics table, stacked in arm order."""
        return pd.concat([arm.metrics for arm in self.arms], ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """A row per channel (pools too) and arm, a column per (metric, stat): the arm's mean,
        ci_low, ci_high, and its paired difference to the first arm (diff, diff_low,
        diff_high; NaN on the first arm), in stored units (seconds, fractions)."""
        return show.wide(self.table, ["channel", "arm"], SUMMARY_STATS)

    def _title(self) -> str:
        return (f"{' vs '.join(self.labels)}: {self.replications} replications, seed "
                f"{self.seed}, the same customers in every arm")

    def __repr__(self) -> str:
        return "\n  ".join([f"Comparison {self._title()}", *map(repr, self.arms)])

    def _repr_html_(self) -> str:
        frames = pd.concat({arm.label: show.figures(self.table[self.table.arm == arm.label],
                                                    arm.scenario) for arm in self.arms})
        frames = frames.swaplevel()  # channel, arm: the arms of a channel side by side
        channels = dict.fromkeys(frames.index.get_level_values(0))
        order = [(c, a) for c in channels for a in self.labels if (c, a) in frames.index]
        note = (f"(±x): the paired difference to {self.labels[0]}, where its 95% CI excludes 0"
                if self.table.significant.any() else None)
        return show.html([self._title()], frames.reindex(order), [note] if note else [])

    def plot(self, kind: str = "main") -> Figure:
        """A plot of the report, the arms side by side, as a matplotlib Figure for a notebook:
        `main` (compare.png), `waits`, `public`."""
        from sim.report.compare_plots import figure

        return figure(self, kind)


def compare(scenarios: Sequence[Scenario | str | Path], labels: Sequence[str] | None = None,
            replications: int = DEFAULT_REPLICATIONS, seed: int = DEFAULT_SEED,
            workers: int = 1, on_done: Callable[[str, int], None] | None = None,
            sources: Sequence[str | None] | None = None, *, scheduler: str | None = None,
            precision: float | None = None, max_replications: int = DEFAULT_MAX_REPLICATIONS,
            precision_metrics: str | Sequence[str | tuple[str, str]] | None = None,
            on_batch: Callable[[int], None] | None = None) -> Comparison:
    """Run every scenario (a model or a file path) with the same seed and compare them to the
    first. `on_done(label, replication)` is called as each replication finishes. `workers`,
    `scheduler`, `precision` and the rest work as for `run`; with `precision`, every arm
    gets the same number of replications (enough for the least precise arm), so that they
    stay paired."""
    if len(scenarios) < 2:
        raise ValueError("compare: at least two arms")
    if sources is None:
        sources = [None if isinstance(s, Scenario) else str(s) for s in scenarios]
    models = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    if labels is None:
        paths = [src or m.name for src, m in zip(sources, models, strict=True)]
        labels = arm_labels(models, paths)
    if len(set(labels)) != len(labels) or len(labels) != len(models):
        raise ValueError("compare: one unique label per arm")
    wanted = request(precision, max_replications, precision_metrics)
    start = time.perf_counter()

    def done(arm: int, rep: Replication) -> None:
        if on_done:
            on_done(labels[arm], rep.replication)

    with executor(workers, scheduler) as pool:
        tallies, report = replicate(models, replications, seed, pool, wanted, labels, done,
                                    on_batch)
    arms = []
    for label, scenario, source, tally in zip(labels, models, sources, tallies, strict=True):
        result = summarise(scenario, seed, tally, sum(tally.seconds))
        arms.append(Arm(label, result.scenario, result.metrics, result.per_replication,
                        result.scenario_hash, result.contacts_simulated, result.seconds,
                        result.replication_seconds, source))
    table = compare_table({arm.label: arm.per_replication for arm in arms})
    return Comparison(arms, table, seed, len(tallies[0].seconds), time.perf_counter() - start,
                      report)
