"""Metrics per reporting interval of one replication: the rows behind `intervals.csv`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.records import Records
from sim.metrics.catalogue import has_row
from sim.metrics.outcomes import applicable, rates, ratio
from sim.metrics.public import outstanding_per_bin
from sim.metrics.sums import Sums, replication_sums
from sim.scenario.schema import Scenario

INTERVAL_METRICS = ("offered", "answered", "abandoned", "service_level", "wait_mean",
                    "unanswered_impressions", "public_outstanding")
OPTIONAL_INTERVAL_METRICS = frozenset({"service_level", "unanswered_impressions",
                                       "public_outstanding"})
POOL_INTERVAL_METRICS = ("agents", "on_duty", "occupancy")


def interval_metrics(records: Records, scenario: Scenario,
                     sums: Sums | None = None) -> pd.DataFrame:
    """Columns interval_start, channel, metric, value. `sums` is
    `replication_sums(records, scenario)`, when the caller already has it.

    Contacts are counted in the interval of their arrival (a contact that
    arrives at 10:29 and is answered at 10:31 belongs to 10:00-10:30). Pools
    ('pool:<name>', 'pool:all') report mean agents scheduled (`agents`, paid) and on
    duty (`on_duty`), and occupancy (busy over on-duty time) per bin. Empty bins give NaN
    ratios, not errors. Public channels (and
    'all' when there is one) add `unanswered_impressions` of the contacts
    arriving in the bin and `public_outstanding`, the time-average number of
    public complaints not yet replied to during the bin (see
    `public.outstanding_per_bin`). As in `replication_metrics`, 'all' has only the metrics
    that mean something across channels (no mean wait).
    """
    sums = replication_sums(records, scenario) if sums is None else sums
    edges, counts = sums.edges, sums.counts
    n_bins = len(edges) - 1
    per_channel = rates(counts.reshape(len(counts), -1))  # bin-major: bin * channels + channel
    overall = rates(counts.sum(axis=2))
    widths = np.diff(edges)
    outstanding = outstanding_per_bin(records, scenario, edges) / widths
    per_channel["public_outstanding"] = outstanding.T.reshape(-1)
    overall["public_outstanding"] = outstanding.sum(axis=0)
    optional = applicable(records, scenario)

    series: list[tuple[str, str, np.ndarray]] = []
    kinds = [*(scenario.channels[name].kind for name in records.channels), "all"]
    for k, (name, kind) in enumerate(zip([*records.channels, "all"], kinds, strict=True)):
        for m in INTERVAL_METRICS:
            if not has_row(m, kind) or (m in OPTIONAL_INTERVAL_METRICS
                                        and m not in optional[name]):
                continue
            values = overall[m] if name == "all" else per_channel[m].reshape(n_bins, -1)[:, k]
            series.append((name, m, values))

    busy, duty, paid = (np.vstack((a, a.sum(axis=0))) for a in (sums.busy, sums.duty, sums.paid))
    for p, name in enumerate([*records.pools, "all"]):
        series.append((f"pool:{name}", "agents", paid[p] / widths))
        series.append((f"pool:{name}", "on_duty", duty[p] / widths))
        series.append((f"pool:{name}", "occupancy", ratio(busy[p], duty[p])))

    table = pd.DataFrame({
        "interval_start": np.tile(edges[:-1], len(series)),
        "channel": np.repeat([s[0] for s in series], n_bins),
        "metric": np.repeat([s[1] for s in series], n_bins),
        "value": np.concatenate([s[2] for s in series]) if series else [],
    })
    return table.sort_values("interval_start", kind="stable", ignore_index=True)
