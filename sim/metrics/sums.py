"""The sums both tables of a replication are made of, computed once: `metrics.csv`'s rows are
their totals over the intervals, `intervals.csv`'s their values per interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.records import Records
from sim.metrics.outcomes import contact_counts
from sim.metrics.pools import pool_seconds
from sim.scenario.schema import Scenario


def interval_edges(interval: float, horizon: float) -> np.ndarray:
    """Bin edges 0, interval, 2*interval, ..., horizon; the last bin may be short."""
    starts = np.arange(int(np.ceil(horizon / interval))) * interval
    return np.append(starts[starts < horizon], horizon)


@dataclass(frozen=True)
class Sums:
    """By reporting interval: the contact COUNTS (see `outcomes.contact_counts`), shaped
    (COUNTS, bins, channels), and the pools' busy, on-duty and paid agent-seconds, each
    shaped (pools, bins). All are sums, so a whole period's are their totals over bins."""

    edges: np.ndarray
    counts: np.ndarray
    busy: np.ndarray
    duty: np.ndarray
    paid: np.ndarray


def replication_sums(records: Records, scenario: Scenario) -> Sums:
    edges = interval_edges(scenario.interval, records.horizon)
    return Sums(edges, contact_counts(records, scenario, edges),
                *pool_seconds(records, scenario, edges))
