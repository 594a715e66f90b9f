"""Per need: the table behind `needs.parquet`, and the need metrics of channel 'all'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.records import DEFLECTED, OUTCOME_NAMES, RESOLVED, Records
from sim.metrics.codes import named


def measured_needs(records: Records, part: slice = slice(0, None)) -> np.ndarray:
    """Indices of the needs that count, those arriving in [0, horizon), of the rows `part`
    (a slice from a start)."""
    arrival = records.needs.arrival[part]
    return part.start + np.flatnonzero((arrival >= 0) & (arrival < records.horizon))


def need_metrics(records: Records) -> dict[str, float]:
    """Over the measured needs (NaN without data):

    - transfers_per_need, contacts_per_need: mean channel changes and contacts
      per need that self-service did not deflect;
    - resolution_time_mean: mean of resolved - arrival (the first contact's
      arrival) over resolved needs;
    - resolved_share: resolved needs / needs not deflected;
    - self_service_share: deflected needs / all needs.
    """
    needs = records.needs
    idx = measured_needs(records)
    outcome = needs.outcome[idx]
    contacted = outcome != DEFLECTED
    resolved = outcome == RESOLVED
    return {
        "transfers_per_need": _mean(needs.channel_changes[idx][contacted]),
        "contacts_per_need": _mean(needs.contacts[idx][contacted]),
        "resolution_time_mean": _mean((needs.resolved - needs.arrival)[idx][resolved]),
        "resolved_share": _mean(resolved[contacted]),
        "self_service_share": _mean(~contacted),
    }


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values, dtype=float)) if len(values) else np.nan


def needs_table(records: Records, replication: int,
                idx: np.ndarray | None = None) -> pd.DataFrame:
    """The measured needs of one replication (or the rows `idx` of them), with names instead
    of codes."""
    needs = records.needs
    idx = measured_needs(records) if idx is None else idx
    arrival = needs.arrival[idx]
    resolved = needs.resolved[idx]
    return pd.DataFrame({
        "replication": np.full(len(idx), replication, dtype=np.int32),
        "need": idx.astype(np.int32),
        "arrival": arrival,
        "reason": pd.Categorical.from_codes(needs.reason[idx].astype(np.int32),
                                            categories=list(needs.reasons)),
        "region": pd.Categorical.from_codes(needs.region[idx].astype(np.int32),
                                            categories=list(needs.regions)),
        "twitter": needs.twitter[idx].astype(bool),
        "followers": needs.followers[idx],
        "outcome": named(needs.outcome[idx], OUTCOME_NAMES),
        "resolved": resolved,
        "resolution_time": resolved - arrival,  # NaN unless resolved
        "contacts": needs.contacts[idx].astype(np.int16),
        "channel_changes": needs.channel_changes[idx].astype(np.int16),
    }, copy=False)  # fresh columns: no copy into blocks
