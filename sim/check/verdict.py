"""A new run against its baseline, metric by metric, and the verdict on each.

`compare` tests every metric of a baseline (sim.check.paired); `decide` adjusts the p-values
of all the metrics of a check together (Holm) and flags the regressions. A metric the
baseline has but the new run cannot give (fewer than two replications with a value) is
`missing`, and fails like a regression: a check that cannot look must not pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from sim.check import ALPHA
from sim.check.baseline import Baseline, Values, rounded
from sim.check.directions import rule_for
from sim.check.paired import PairedTest, holm, paired_test
from sim.metrics.catalogue import Direction, Tolerance

FAILED = ("regression", "missing")
MOVED = (*FAILED, "worse", "better")


@dataclass(frozen=True)
class MetricCheck:
    baseline: str  # the baseline's label, scenario/policy
    channel: str
    metric: str
    direction: Direction
    tolerance: float  # how much worse it may get, in the metric's unit
    test: PairedTest
    p_holm: float = math.nan
    regression: bool = False

    @property
    def verdict(self) -> str:
        """regression; missing; worse (significantly, within the tolerance); better
        (significantly); same (every replication identical); or unchanged (within noise)."""
        t = self.test
        if t.pairs < 2:
            return "missing"
        if self.regression:
            return "regression"
        if t.diff == 0 and t.low == 0 and t.high == 0:
            return "same"
        worse_low, worse_high = (t.low, t.high) if self.direction == "lower" else (-t.high,
                                                                                   -t.low)
        if worse_low > 0:
            return "worse"
        if worse_high < 0:
            return "better"
        return "unchanged"

    @property
    def failed(self) -> bool:
        return self.verdict in FAILED

    @property
    def moved(self) -> bool:
        return self.verdict in MOVED


def compare(baseline: Baseline, new: Values,
            overrides: Mapping[str, Tolerance] | None = None) -> list[MetricCheck]:
    """Each metric of `baseline` against the same replications of a new run (`new`, as
    `measure` gives it, rounded here as the file rounds). Tolerances: the default table,
    then the baseline's own `tolerances`, then `overrides` (e.g. from --tolerance)."""
    layers = {**baseline.tolerances, **(overrides or {})}
    checks = []
    for (channel, metric), base in sorted(baseline.values.items()):
        rule = rule_for(channel, metric, layers)
        values = rounded(new.get((channel, metric), np.full(len(base), np.nan)))
        amount = rule.tolerance.amount(float(np.nanmean(base)))
        test = paired_test(base, values, rule.direction == "higher", amount)
        checks.append(MetricCheck(baseline.label, channel, metric, rule.direction, amount,
                                  test))
    return checks


def decide(checks: Sequence[MetricCheck], alpha: float = ALPHA) -> list[MetricCheck]:
    """Holm-adjust the p-values of all `checks` together and flag each metric whose adjusted
    p is at most `alpha`: the chance of any false alarm in the whole check is at most
    `alpha` when nothing got worse beyond its tolerance."""
    adjusted = holm([c.test.p for c in checks])
    return [replace(c, p_holm=float(p), regression=bool(p <= alpha))
            for c, p in zip(checks, adjusted, strict=True)]
