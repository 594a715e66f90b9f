"""Whole-period metrics of one replication: one row per (channel or pool, metric)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.records import Records
from sim.metrics.needs import need_metrics
from sim.metrics.outcomes import (
    CLOSED_METRICS,
    NEED_METRICS,
    PUBLIC_METRICS,
    Outcomes,
    applicable,
    group_sums,
    outcomes,
    ratio,
)
from sim.metrics.pools import cost_per_hour, pool_seconds
from sim.model.units import HOUR
from sim.scenario.schema import Scenario

CHANNEL_METRICS = ("offered", "met_closed", "answered", "abandoned", "abandon_rate",
                   "delayed_share", "wait_mean", "wait_p50", "wait_p90", "service_level",
                   "first_response_mean", "escalation_rate", "public_complaints",
                   "unanswered_impressions", "reply_impressions", *NEED_METRICS)
OPTIONAL_METRICS = frozenset({"service_level", "first_response_mean", *CLOSED_METRICS,
                              *PUBLIC_METRICS, *NEED_METRICS})
POOL_METRICS = ("occupancy", "agents", "on_duty", "cost")


def replication_metrics(records: Records, scenario: Scenario) -> pd.DataFrame:
    """Columns channel, metric, value: per channel and 'all', then per 'pool:<name>' and
    'pool:all'.

    Only contacts (and needs) arriving in [0, horizon) count; busy and staffed
    time are clipped to [0, horizon]. A metric without data is NaN; a metric
    that does not apply to a channel (no target, not deferred, not public;
    need metrics outside 'all') has no row.
    """
    o = outcomes(records, scenario)
    names = [*records.channels, "all"]
    per_channel = group_sums(o, o.channel, len(records.channels))
    overall = group_sums(o, np.zeros_like(o.channel), 1)
    values = {m: np.concatenate((per_channel[m], overall[m])) for m in per_channel}
    values["wait_p50"], values["wait_p90"] = _wait_quantiles(o, len(records.channels))
    for m, value in need_metrics(records).items():  # 'all' only: the last column
        values[m] = np.append(np.full(len(records.channels), np.nan), value)
    optional = applicable(records, scenario)
    rows = [(name, m, float(values[m][k])) for k, name in enumerate(names)
            for m in CHANNEL_METRICS if m not in OPTIONAL_METRICS or m in optional[name]]
    return pd.concat([pd.DataFrame(rows, columns=["channel", "metric", "value"]),
                      _pool_metrics(records, scenario)], ignore_index=True)


def _wait_quantiles(o: Outcomes, n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Median and 90th percentile of waits of answered contacts, per channel then 'all'."""
    out = np.full((2, n_channels + 1), np.nan)
    for k in range(n_channels + 1):  # a loop per channel, not per contact
        mask = o.answered if k == n_channels else o.answered & (o.channel == k)
        if mask.any():
            out[:, k] = np.quantile(o.wait[mask], [0.5, 0.9])
    return out[0], out[1]


def _pool_metrics(records: Records, scenario: Scenario) -> pd.DataFrame:
    horizon = records.horizon
    busy, duty, paid = (a[:, 0] for a in pool_seconds(records, scenario,
                                                      np.array([0.0, horizon])))
    cost = paid / HOUR * cost_per_hour(records, scenario)
    busy, duty, paid, cost = (np.append(a, a.sum()) for a in (busy, duty, paid, cost))
    values = {"occupancy": ratio(busy, duty), "agents": paid / horizon,
              "on_duty": duty / horizon, "cost": cost}
    names = [f"pool:{name}" for name in (*records.pools, "all")]
    rows = [(name, m, float(values[m][k])) for k, name in enumerate(names) for m in POOL_METRICS]
    return pd.DataFrame(rows, columns=["channel", "metric", "value"])
