"""`--precision`: whether a run has enough replications, and how many to have next. Pure
functions of the per-replication table.

A chosen metric is precise when the half-width of its 95% t-interval across replications (as
in metrics.csv) is at most `target` x |mean|. Two rules keep a metric that cannot be judged
so from holding a run back for ever:
- a mean of 0 with a half-width of 0 (every replication gave 0, e.g. nobody waited) is
  precise: the interval has shrunk to a point;
- a metric with a value in fewer than two replications (e.g. the wait of a channel nobody
  reached) has no interval; it is reported as undefined and does not hold the run back.
Anything else (a tiny mean with a wide interval) is added to until the cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from sim.metrics import summarize
from sim.metrics.replication import CHANNEL_METRICS, POOL_METRICS
from sim.scenario.schema import Scenario

DEFAULT_MAX_REPLICATIONS = 200
MIN_REPLICATIONS = 2  # the fewest that give an interval
HEADLINE = {"realtime": "wait_mean", "deferred": "first_response_mean",
            "public": "first_response_mean"}

MetricKey = tuple[str, str]  # (channel, metric)


class PrecisionError(ValueError):
    """A --precision request that cannot be met: bad numbers, or a metric that is not there."""


@dataclass(frozen=True)
class Precision:
    """What `--precision` asks for: every metric in `metrics` (None: each channel's headline
    time, see `default_metrics`) within `target` of its mean, with at most `max_replications`.
    """

    target: float
    max_replications: int = DEFAULT_MAX_REPLICATIONS
    metrics: tuple[MetricKey, ...] | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.target) and self.target > 0):
            raise PrecisionError(f"precision {self.target}: give a fraction of the mean above "
                                 "0, e.g. 0.05 for 5%")
        if self.max_replications < MIN_REPLICATIONS:
            raise PrecisionError(f"max replications {self.max_replications}: at least "
                                 f"{MIN_REPLICATIONS}, to have an interval")
        if self.metrics is not None and not self.metrics:
            raise PrecisionError("precision metrics: give at least one CHANNEL:METRIC")

    def first(self, replications: int) -> int:
        """The replications of the first batch: as asked, but at least two."""
        if replications > self.max_replications:
            raise PrecisionError(f"{replications} replications to start with, more than the "
                                 f"cap of {self.max_replications}")
        return max(replications, MIN_REPLICATIONS)

    def chosen(self, scenario: Scenario) -> tuple[MetricKey, ...]:
        """The metrics judged in a run of `scenario`; PrecisionError for a channel or pool it
        does not have, or a metric name that does not exist."""
        if self.metrics is None:
            return default_metrics(scenario)
        channels = {*scenario.channels, "all"}
        pools = {f"pool:{name}" for name in (*scenario.pools, "all")}
        for channel, metric in self.metrics:
            if channel not in channels | pools:
                raise PrecisionError(
                    f"precision metric {channel}:{metric}: {scenario.name} has no channel or "
                    f"pool {channel!r} (it has {', '.join(sorted(channels | pools))})")
            known = POOL_METRICS if channel in pools else CHANNEL_METRICS
            if metric not in known:
                raise PrecisionError(f"precision metric {channel}:{metric}: unknown metric "
                                     f"(known: {', '.join(known)})")
        return self.metrics


def request(target: float | None, max_replications: int = DEFAULT_MAX_REPLICATIONS,
            metrics: str | Sequence[str | MetricKey] | None = None) -> Precision | None:
    """The Precision the API's arguments ask for (None without a target). `metrics` is
    "CHANNEL:METRIC,..." text, or a sequence of "CHANNEL:METRIC" or (channel, metric)."""
    if target is None:
        return None
    keys = None
    if isinstance(metrics, str):
        keys = parse_metrics(metrics)
    elif metrics is not None:
        keys = tuple(key for m in metrics
                     for key in (parse_metrics(m) if isinstance(m, str) else [(m[0], m[1])]))
    return Precision(float(target), max_replications, keys)


def default_metrics(scenario: Scenario) -> tuple[MetricKey, ...]:
    """Each channel's headline time: the wait for a realtime channel, the first reply for a
    deferred or public one."""
    return tuple((name, HEADLINE[spec.kind]) for name, spec in scenario.channels.items())


def parse_metrics(text: str) -> tuple[MetricKey, ...]:
    """`CHANNEL:METRIC,CHANNEL:METRIC,...` -> ((channel, metric), ...); PrecisionError if an
    item is not of that form."""
    out = []
    for item in text.split(","):
        channel, sep, metric = item.strip().rpartition(":")
        if not sep or not channel or not metric:
            raise PrecisionError(f"{text!r}: expected CHANNEL:METRIC items separated by "
                                 "commas, e.g. phone:wait_mean,email:first_response_mean")
        out.append((channel, metric))
    return tuple(out)


@dataclass(frozen=True)
class Check:
    """One chosen metric (of one arm) judged after `values` replications with a value."""

    channel: str
    metric: str
    mean: float
    half_width: float
    values: int
    precise: bool
    arm: str | None = None

    @property
    def defined(self) -> bool:
        """It has an interval (a value in at least two replications)."""
        return self.values >= MIN_REPLICATIONS

    @property
    def relative(self) -> float:
        """Half-width / |mean|: 0 for a point interval, inf for a wide one around 0, NaN
        when undefined."""
        if not self.defined:
            return math.nan
        if self.half_width == 0:
            return 0.0
        return self.half_width / abs(self.mean) if self.mean != 0 else math.inf


def check(per_replication: pd.DataFrame, metrics: Sequence[MetricKey], target: float,
          arm: str | None = None) -> list[Check]:
    """Judge each of `metrics` in a per-replication table (replication, channel, metric,
    value); PrecisionError for one the table does not have."""
    keys = pd.MultiIndex.from_frame(per_replication[["channel", "metric"]])
    rows = per_replication[keys.isin(list(metrics))]
    table = summarize(rows, ["channel", "metric"]).set_index(["channel", "metric"])
    missing = [f"{c}:{m}" for c, m in metrics if (c, m) not in table.index]
    if missing:
        where = f" of {arm}" if arm else ""
        raise PrecisionError(f"precision metric {', '.join(missing)}: not in the results"
                             f"{where} (e.g. service_level needs a target, "
                             "first_response_mean a deferred or public channel)")
    out = []
    for channel, metric in metrics:
        row = table.loc[(channel, metric)]
        half = float(row.ci_high - row["mean"]) if row.replications >= MIN_REPLICATIONS \
            else math.nan
        item = Check(channel, metric, float(row["mean"]), half, int(row.replications), False, arm)
        out.append(replace(item, precise=item.defined and item.relative <= target))
    return out


def worst(checks: Sequence[Check]) -> Check | None:
    """The defined check furthest from its target (None if none is defined)."""
    defined = [c for c in checks if c.defined]
    return max(defined, key=lambda c: c.relative) if defined else None


def reached(checks: Sequence[Check]) -> bool:
    """Every defined check is precise (undefined ones do not count, see the module)."""
    return all(c.precise for c in checks if c.defined)


def next_count(replications: int, checks: Sequence[Check], target: float, cap: int) -> int:
    """How many replications to have after the next batch: the usual estimate for the worst
    metric, n (relative / target)^2 (a half-width shrinks as 1/sqrt(n)), but at least a tenth
    more (at least one), at most twice as many, and never more than `cap`."""
    bad = worst(checks)
    needed = 2 * replications
    if bad is not None and math.isfinite(bad.relative):
        needed = math.ceil(replications * (bad.relative / target) ** 2)
    step = max(1, math.ceil(replications / 10))
    return min(cap, max(replications + step, min(2 * replications, needed)))


@dataclass(frozen=True)
class PrecisionReport:
    """How a run with --precision ended: every chosen metric's last check."""

    target: float
    max_replications: int
    replications: int
    checks: tuple[Check, ...]

    @property
    def reached(self) -> bool:
        return reached(self.checks)

    @property
    def worst(self) -> Check | None:
        return worst(self.checks)
