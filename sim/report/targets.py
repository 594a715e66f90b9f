"""A run's value of each goal its scenario sets (a channel's service-level target and caps, a
pool's occupancy cap), judged over the whole measured period by the 95% CI, so that the
terminal and report.html say which targets a run misses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim.metrics.catalogue import label
from sim.metrics.display import half_width, shown, spread
from sim.runner.compare import Arm
from sim.runner.show import GOAL_MISSED as MISSED
from sim.runner.show import goal, verdict
from sim.scenario.schema import Scenario
from sim.staffing.cells import goals_of

RULE = "missed: the 95% CI entirely on the wrong side of the target; unsure: the CI holds it"


@dataclass(frozen=True)
class TargetCheck:
    """One goal: `metric` of `where` (a channel or pool:<name>) at least (`at_least`) or at
    most `bound`; `within` the target time of a service level; the run's mean and CI."""

    where: str
    metric: str
    bound: float
    at_least: bool
    within: float | None
    mean: float
    low: float
    high: float

    @property
    def verdict(self) -> str:
        """missed, met or unsure (`sim.runner.show.verdict`)."""
        return verdict(self.bound, self.at_least, self.mean, self.low, self.high)

    @property
    def goal(self) -> str:
        """The goal for people: "≥ 80% within 20 s", "≤ 5%", "≤ 30 s"."""
        return goal(self.metric, self.bound, self.within)

    @property
    def value(self) -> str:
        """The run's value with its CI half-width: "14.5% ±1.2 pt"."""
        half = spread(self.mean, self.low, self.high)
        shown_half = half_width(self.metric, self.mean, half) if half > 0 else ""
        return f"{shown(self.metric, self.mean)} {shown_half}".rstrip()


def target_checks(scenario: Scenario, metrics: pd.DataFrame) -> list[TargetCheck]:
    """Every goal of `scenario` against `metrics` (a run's table: channel, metric, mean,
    ci_low, ci_high)."""
    rows = metrics.set_index(["channel", "metric"])
    out = []
    for g in goals_of(scenario):
        target = scenario.channels[g.key].target if g.key in scenario.channels else None
        within = target.within if target is not None and g.metric == "service_level" else None
        found = rows.loc[(g.key, g.metric)] if (g.key, g.metric) in rows.index else None
        mean, low, high = ((math.nan,) * 3 if found is None
                           else (found["mean"], found["ci_low"], found["ci_high"]))
        out.append(TargetCheck(g.key, g.metric, g.bound, g.at_least, within, float(mean),
                               float(low), float(high)))
    return out


def staff_hint(checks: list[TargetCheck], source: str) -> str | None:
    """One line naming the missed targets and the command that finds staffing meeting them;
    None when none is missed."""
    missed = [f"{c.where.removeprefix('pool:')} {label(c.metric)}" for c in checks
              if c.verdict == MISSED]
    if not missed:
        return None
    return (f"{len(missed)} of {len(checks)} targets missed ({', '.join(missed)}); staffing "
            f"that meets them: sim staff {source}")


def arms_line(arms: Sequence[Arm]) -> str | None:
    """For a comparison: the targets each arm misses (by its own scenario's goals), or that
    none does; None when no arm's scenario sets a target."""
    judged, missed = False, []
    for arm in arms:
        checks = target_checks(arm.scenario, arm.metrics)
        judged = judged or bool(checks)
        missed += [f"{arm.label}: {c.where.removeprefix('pool:')} {label(c.metric)} "
                   f"{shown(c.metric, c.mean)} against {c.goal}" for c in checks
                   if c.verdict == MISSED]
    if not judged:
        return None
    if not missed:
        return ("Targets: none missed by any arm (missed: the 95% CI over the whole period "
                "entirely on the wrong side).")
    return ("Targets missed (the 95% CI over the whole period entirely on the wrong side): "
            + "; ".join(missed) + ". `sim staff FILE` finds staffing that meets them.")
