"""The distribution of waits of answered contacts, per channel, as counts on fixed bins: what
the waits plot draws, summed over replications without keeping any contact."""

from __future__ import annotations

import numpy as np

from sim.engine.records import Records
from sim.metrics.contacts import answered_waits

# [0, 0.1 s), then 100 bins a decade up to 10^7 s (116 days): 2.3% wide, finer than a plot
WAIT_EDGES = np.concatenate(([0.0], np.geomspace(0.1, 1e7, 801)))


def wait_counts(records: Records) -> np.ndarray:
    """Answered contacts of the measured period by channel (rows, in `records.channels`
    order) and wait bin (columns: [WAIT_EDGES[k], WAIT_EDGES[k + 1]); longer waits count in
    the last bin)."""
    waits, channel = answered_waits(records)
    np.clip(waits, 0.0, WAIT_EDGES[-1], out=waits)  # 0 for a rounding below 0
    return np.stack([np.histogram(waits[channel == k], WAIT_EDGES)[0]
                     for k in range(len(records.channels))]).astype(np.int64)


def wait_quantile(counts: np.ndarray, q: float) -> float:
    """The `q` quantile of the waits counted in `counts` (one channel's row), to a bin's
    upper edge; NaN without any."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    return float(WAIT_EDGES[1:][np.searchsorted(np.cumsum(counts), q * total)])
