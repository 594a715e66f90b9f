"""Across replications: mean and Student-t confidence interval of each metric."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from sim.metrics.catalogue import METRICS


def summarize(per_replication: pd.DataFrame, by: list[str],
              confidence: float = 0.95, bounded: bool = False) -> pd.DataFrame:
    """Columns `by` + mean, ci_low, ci_high, replications, one row per group.

    Replications are independent, so their values are i.i.d. and the t
    interval is the honest one for few replications. A NaN value (a metric
    with no data in that replication) is left out; `replications` counts
    the rest. With fewer than two, the interval is NaN. `bounded` (with "metric" in
    `by`): each interval cut to the values its metric can take (`within_range`); not for a
    half-width, which must stay the estimator's own.
    """
    keys = [*by, "replication"]
    if per_replication.duplicated(keys).any():
        raise ValueError(f"summarize: several rows per replication for one group of {by}; "
                         "add the missing key to `by`")
    values = per_replication["value"].astype(float)
    if by:
        grouped = values.groupby([per_replication[k] for k in by], sort=False, dropna=False,
                                 observed=True)
        table = grouped.agg(["mean", "std", "count"]).reset_index()
    else:  # one group: everything
        table = values.agg(["mean", "std", "count"]).to_frame().T
    interval = _interval(table["mean"].to_numpy(), table["std"].to_numpy(),
                         table["count"].to_numpy(), confidence)
    if bounded:
        interval["ci_low"], interval["ci_high"] = within_range(
            interval["ci_low"], interval["ci_high"], table["metric"])
    return pd.DataFrame({**{key: table[key] for key in by}, **interval})


def summarize_columns(values: np.ndarray, confidence: float = 0.95,
                      metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """As `summarize`, for a matrix of replications (rows) by groups (columns): one row per
    column. The form a run keeps of its intervals, a row of values a replication, so that
    it need not keep their keys. `metrics`, each column's metric: as `bounded`."""
    ok = ~np.isnan(values)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, values, 0.0).sum(axis=0) / n
        squares = np.where(ok, (values - mean) ** 2, 0.0).sum(axis=0)
        std = np.sqrt(squares / np.where(n > 1, n - 1, np.nan))
    interval = _interval(mean, std, n, confidence)
    if metrics is not None:
        interval["ci_low"], interval["ci_high"] = within_range(
            interval["ci_low"], interval["ci_high"], metrics)
    return pd.DataFrame(interval)


def within_range(low: Sequence[float], high: Sequence[float],
                 metrics: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds (`low`, `high`; one per entry of `metrics`) cut to what each metric
    can take: at least 0 (every metric is a count, share, time or cost), at most the
    catalogue's `greatest` (1 for a share, but occupancy). The true value lies inside these
    bounds, so an interval covers it exactly when the cut interval does: the coverage is the
    t interval's, and no bound is crossed.
    A name outside the catalogue is left as it is; NaN stays NaN."""
    least, most = range_of(metrics)
    return (np.maximum(np.asarray(low, dtype=float), least),
            np.minimum(np.asarray(high, dtype=float), most))


def range_of(metrics: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The least and the greatest value each of `metrics` can take (by distinct name: an
    intervals table repeats a few names over many rows)."""
    codes, names = pd.factorize(pd.Series(metrics, dtype=object))
    low = np.array([0.0 if m in METRICS else -np.inf for m in names])
    high = np.array([METRICS[m].greatest if m in METRICS else np.inf for m in names])
    return low[codes], high[codes]


def _interval(mean: np.ndarray, std: np.ndarray, n: np.ndarray,
              confidence: float) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        t = t_quantile(0.5 + confidence / 2, np.where(n > 1, n - 1, np.nan))
        half = t * std / np.sqrt(n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half,
            "replications": n.astype(np.int64)}


def t_quantile(p: float, dof):
    """Student's t quantile (scipy.special's, so that a run need not import scipy.stats,
    a third of a second)."""
    return special.stdtrit(dof, p)
