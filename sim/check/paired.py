"""The statistics of `sim check`, as pure functions: a paired one-sided t-test per metric, and
Holm's correction over all the metrics checked.

Replication r of the baseline and of the new run use the same seed, so they see the same
customers (common random numbers) and the difference d_r = new_r - baseline_r holds little
but the change itself. For a metric where lower is better, "worse" is d_r (for higher,
-d_r); the test asks whether the mean worsening exceeds the tolerance:

    H0: E[worse] <= tolerance  against  H1: E[worse] > tolerance,
    t = (mean(worse) - tolerance) / (sd(worse) / sqrt(n)),  p = P(T_{n-1} >= t).

A change within the tolerance is not a regression however significant it is; a metric
worse beyond it is flagged when its Holm-adjusted p is at most alpha, which keeps the
chance of any false alarm across all the metrics of a check at most alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.runner.compare import paired_difference


@dataclass(frozen=True)
class PairedTest:
    """One metric, the new run against its baseline over the replications where both have a
    value: the means, the mean difference new - baseline with its t-interval, and the p-value
    of "not worse than the baseline by more than the tolerance" (NaN with fewer than two
    pairs)."""

    base_mean: float
    new_mean: float
    diff: float
    low: float
    high: float
    p: float
    pairs: int


def paired_test(base: Sequence[float] | np.ndarray, new: Sequence[float] | np.ndarray,
                higher_is_better: bool, tolerance: float,
                confidence: float = 0.95) -> PairedTest:
    a = np.asarray(base, dtype=float)
    b = np.asarray(new, dtype=float)
    difference = paired_difference(a, b, confidence)
    both = np.isfinite(a) & np.isfinite(b)
    d = b[both] - a[both]
    worse = -d if higher_is_better else d
    base_mean = float(a[both].mean()) if both.any() else math.nan
    new_mean = float(b[both].mean()) if both.any() else math.nan
    return PairedTest(base_mean, new_mean, difference.mean, difference.low, difference.high,
                      one_sided_p(worse, tolerance), difference.pairs)


def one_sided_p(worse: np.ndarray, tolerance: float) -> float:
    """p-value of H0 E[worse] <= tolerance, by Student's t with n - 1 degrees of freedom.

    When every difference is the same (no spread: e.g. identical code and seeds, all 0), the
    t statistic does not exist but the answer is certain: p = 0 if that difference exceeds
    the tolerance, else 1. NaN with fewer than two differences."""
    worse = np.asarray(worse, dtype=float)
    n = len(worse)
    if n < 2:
        return math.nan
    if np.ptp(worse) == 0:
        return 0.0 if worse[0] > tolerance else 1.0
    t = (worse.mean() - tolerance) / (worse.std(ddof=1) / math.sqrt(n))
    return float(stats.t.sf(t, n - 1))


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (reject where adjusted <= alpha keeps the
    family-wise error at most alpha, whatever the dependence between the tests). NaN
    entries stay NaN and do not count in the family."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    m = len(tested)
    if m == 0:
        return out
    order = tested[np.argsort(p[tested], kind="stable")]
    steps = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return out
