"""Across replications: mean and Student-t confidence interval of each metric."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special


def summarize(per_replication: pd.DataFrame, by: list[str],
              confidence: float = 0.95) -> pd.DataFrame:
    """Columns `by` + mean, ci_low, ci_high, replications, one row per group.

    Replications are independent, so their values are i.i.d. and the t
    interval is the honest one for few replications. A NaN value (a metric
    with no data in that replication) is left out; `replications` counts
    the rest. With fewer than two, the interval is NaN.
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
    return pd.DataFrame({**{key: table[key] for key in by},
                         **_interval(table["mean"].to_numpy(), table["std"].to_numpy(),
                                     table["count"].to_numpy(), confidence)})


def summarize_columns(values: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """As `summarize`, for a matrix of replications (rows) by groups (columns): one row per
    column. The form a run keeps of its intervals, a row of values a replication, so that
    it need not keep their keys."""
    ok = ~np.isnan(values)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, values, 0.0).sum(axis=0) / n
        squares = np.where(ok, (values - mean) ** 2, 0.0).sum(axis=0)
        std = np.sqrt(squares / np.where(n > 1, n - 1, np.nan))
    return pd.DataFrame(_interval(mean, std, n, confidence))


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
