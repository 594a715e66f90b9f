"""Whole-period metrics of one replication: one row per (channel or pool, metric)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.records import Records
from sim.metrics.catalogue import has_row
from sim.metrics.contacts import answered_waits
from sim.metrics.needs import need_metrics
from sim.metrics.outcomes import (
    CLOSED_METRICS,
    NEED_METRICS,
    PUBLIC_METRICS,
    applicable,
    rates,
    ratio,
)
from sim.metrics.pools import cost_per_hour
from sim.metrics.sums import Sums, replication_sums
from sim.model.units import HOUR
from sim.scenario.schema import Scenario

CHANNEL_METRICS = ("offered", "met_closed", "answered", "abandoned", "abandon_rate",
                   "delayed_share", "wait_mean", "wait_p50", "wait_p90", "service_level",
                   "first_response_mean", "escalation_rate", "public_complaints",
                   "unanswered_impressions", "reply_impressions", *NEED_METRICS)
OPTIONAL_METRICS = frozenset({"service_level", "first_response_mean", *CLOSED_METRICS,
                              *PUBLIC_METRICS})
POOL_METRICS = ("occupancy", "agents", "on_duty", "cost")


def replication_metrics(records: Records, scenario: Scenario,
                        sums: Sums | None = None) -> pd.DataFrame:
    """Columns channel, metric, value: per channel and 'all', then per 'pool:<name>' and
    'pool:all'. `sums` is `replication_sums(records, scenario)`, when the caller already has
    it (a run computes it once for both tables).

    Only contacts (and needs) arriving in [0, horizon) count; busy and staffed
    time are clipped to [0, horizon]. A metric without data is NaN; a metric
    that does not apply to a channel has no row: by the catalogue's `applies` (no
    abandon rate of an email channel, no wait of 'all', need metrics in 'all' only), or
    by the scenario (no target, no opening hours, no public channel).
    """
    sums = replication_sums(records, scenario) if sums is None else sums
    per_channel = sums.counts.sum(axis=1)  # over the intervals: (COUNTS, channels)
    whole = np.concatenate((per_channel, per_channel.sum(axis=1, keepdims=True)), axis=1)
    values = rates(whole)
    values["wait_p50"], values["wait_p90"] = _wait_quantiles(records)
    for m, value in need_metrics(records).items():  # 'all' only: the last column
        values[m] = np.append(np.full(len(records.channels), np.nan), value)
    optional = applicable(records, scenario)
    names = [*records.channels, "all"]
    kinds = [*(scenario.channels[name].kind for name in records.channels), "all"]
    rows = [(name, m, float(values[m][k]))
            for k, (name, kind) in enumerate(zip(names, kinds, strict=True))
            for m in CHANNEL_METRICS
            if has_row(m, kind) and (m not in OPTIONAL_METRICS or m in optional[name])]
    return pd.concat([pd.DataFrame(rows, columns=["channel", "metric", "value"]),
                      _pool_metrics(records, scenario, sums)], ignore_index=True)


def _wait_quantiles(records: Records) -> tuple[np.ndarray, np.ndarray]:
    """Median and 90th percentile of waits of answered contacts, per channel then NaN for
    'all' (which has no wait: it would mix the channels'); a loop per channel, not per
    contact, each channel's waits sorted in place, not copied."""
    n_channels = len(records.channels)
    waits, channel = answered_waits(records)
    out = np.full((2, n_channels + 1), np.nan)
    for k in range(n_channels):
        mine = waits[channel == k]
        if len(mine):
            out[:, k] = np.quantile(mine, [0.5, 0.9], overwrite_input=True)
    return out[0], out[1]


def _pool_metrics(records: Records, scenario: Scenario, sums: Sums) -> pd.DataFrame:
    horizon = records.horizon
    busy, duty, paid = (a.sum(axis=1) for a in (sums.busy, sums.duty, sums.paid))
    cost = paid / HOUR * cost_per_hour(records, scenario)
    busy, duty, paid, cost = (np.append(a, a.sum()) for a in (busy, duty, paid, cost))
    values = {"occupancy": ratio(busy, duty), "agents": paid / horizon,
              "on_duty": duty / horizon, "cost": cost}
    names = [f"pool:{name}" for name in (*records.pools, "all")]
    rows = [(name, m, float(values[m][k])) for k, name in enumerate(names) for m in POOL_METRICS]
    return pd.DataFrame(rows, columns=["channel", "metric", "value"])
