"""The confirming run: the plan found on one set of seeds, judged on independent ones. Pure.

A plan is chosen to meet every goal on its own sample, so on that sample it looks a little
better than it is. On new replications, each goal is reported over the horizon (the pooled
value of its judged intervals, with a 95% CI); the goal is met unless that CI lies wholly on
the wrong side of it, and a cell counts as failing only when it is significantly worse than
its goal at a family-wise 5% (Bonferroni over the judged cells). Where the truth sits just
above a target (Erlang C's c gives 85.5% against 85%), the estimate falls below it in one run
out of several; only a miss beyond sampling error is evidence against the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.metrics.summary import within_range
from sim.staffing.cells import Problem
from sim.staffing.evaluate import Sample, best_end, meets, pooled, worst_end

FAMILY_ALPHA = 0.05


@dataclass(frozen=True)
class Confirmation:
    """Per goal (key, metric, bound, value, ci_low, ci_high, met: not significantly missed,
    cells, cells_failing) on `replications` replications from `first`."""

    goals: pd.DataFrame
    replications: int
    first: int

    @property
    def met(self) -> bool:
        return bool(self.goals.met.all() and (self.goals.cells_failing == 0).all())


def confirm(sample: Sample, problem: Problem, first: int) -> Confirmation:
    """Judge `sample` (the plan on independent replications) as the module says."""
    m = max(1, sum(int(problem.judged[g].sum()) for g in problem.goals))
    rows = []
    for goal in problem.goals:
        num, den = sample.totals(goal, problem)
        judged = problem.judged[goal]
        value, half = pooled(num[:, judged].sum(axis=1, keepdims=True),
                             den[:, judged].sum(axis=1, keepdims=True))
        v, h = float(value[0]), float(np.nan_to_num(half[0]))
        cell_value, cell_half = pooled(num, den, confidence=1 - 2 * FAMILY_ALPHA / m)
        failing = judged & ~meets(goal, best_end(goal, cell_value, cell_half))
        near = best_end(goal, v, h)
        low, high = in_range(goal.metric, v, h)
        rows.append((goal.key, goal.metric, goal.bound, v, float(low[0]), float(high[0]),
                     bool(meets(goal, np.array([near]))[0]), int(judged.sum()),
                     int(failing.sum())))
    table = pd.DataFrame(rows, columns=["key", "metric", "bound", "value", "ci_low", "ci_high",
                                        "met", "cells", "cells_failing"])
    return Confirmation(table, sample.replications, first)


def cells_table(search: Sample, confirming: Sample, problem: Problem) -> pd.DataFrame:
    """Per goal and interval: the value on the search's sample with its 95% CI and verdict
    (met, unsure or missed; empty where not judged), and the confirming run's value with its
    CI (targets.csv)."""
    parts = []
    starts = problem.edges[:-1]
    for goal in problem.goals:
        value, half = pooled(*search.totals(goal, problem))
        again, again_half = pooled(*confirming.totals(goal, problem))
        spread = np.nan_to_num(half)
        sure = meets(goal, worst_end(goal, value, spread))
        reachable = meets(goal, best_end(goal, value, spread))
        verdict = np.where(~reachable, "missed", np.where(sure, "met", "unsure"))
        low, high = in_range(goal.metric, value, half)
        again_low, again_high = in_range(goal.metric, again, again_half)
        parts.append(pd.DataFrame({
            "interval_start": starts, "key": goal.key, "metric": goal.metric,
            "bound": goal.bound, "judged": problem.judged[goal], "value": value,
            "ci_low": low, "ci_high": high,
            "verdict": np.where(problem.judged[goal], verdict, ""),
            "confirm": again, "confirm_low": again_low, "confirm_high": again_high,
        }))
    return pd.concat(parts, ignore_index=True)


def in_range(metric: str, value, half) -> tuple[np.ndarray, np.ndarray]:
    """The CI value ± half as the tables show it: cut to what `metric` can take (the
    verdicts above use the whole half-width)."""
    value, half = np.atleast_1d(value), np.atleast_1d(half)
    return within_range(value - half, value + half, [metric] * len(value))
