"""One row per contact of the measured period: the table behind `contacts.parquet`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.records import CAUSE_NAMES, STATUS_NAMES, Records
from sim.metrics.codes import named


def in_period(records: Records, part: slice = slice(None)) -> np.ndarray:
    """Which contacts (of the rows `part`) count: those arriving in [0, horizon), warm-up
    left out."""
    arrival = records.arrival[part]
    return (arrival >= 0) & (arrival < records.horizon)


def measured(records: Records, part: slice = slice(0, None)) -> np.ndarray:
    """Indices of the contacts that count (see `in_period`), of the rows `part` (a slice
    from a start)."""
    return part.start + np.flatnonzero(in_period(records, part))


def answered_waits(records: Records) -> tuple[np.ndarray, np.ndarray]:
    """The waits of the answered contacts that count, and their channels: what the wait
    quantiles and the wait bins are taken from (a fresh array, to sort in place)."""
    answered = in_period(records) & ~np.isnan(records.answered)
    waits = records.answered[answered]
    waits -= records.arrival[answered]
    return waits, records.channel[answered]


def contacts_table(records: Records, replication: int,
                   idx: np.ndarray | None = None) -> pd.DataFrame:
    """The measured contacts of one replication (or the rows `idx` of them, to build a long
    replication's table a part at a time), with names instead of codes.

    Compact dtypes (int32 ids, categoricals for names) because a replication
    can hold a million contacts and the table goes to parquet as is.
    """
    idx = measured(records) if idx is None else idx
    answered = records.answered[idx]
    arrival = records.arrival[idx]
    return pd.DataFrame({
        "replication": np.full(len(idx), replication, dtype=np.int32),
        "contact": idx.astype(np.int32),
        "need": records.need[idx].astype(np.int32),
        "parent": records.parent[idx].astype(np.int32),  # -1 for a need's first contact
        "cause": named(records.cause[idx], CAUSE_NAMES),
        "arrival": arrival,
        "channel": pd.Categorical.from_codes(records.channel[idx].astype(np.int32),
                                             categories=list(records.channels)),
        "status": named(records.status[idx], STATUS_NAMES),
        "answered": answered,
        "replied": records.replied[idx],  # end of the first exchange: the first reply
        "ended": records.ended[idx],
        "wait": answered - arrival,  # NaN when never answered
        "pool": pd.Categorical.from_codes(records.pool[idx].astype(np.int32),  # -1 -> NA
                                          categories=list(records.pools)),
        "agent": records.agent[idx].astype(np.int32),
    }, copy=False)  # fresh columns: no copy into blocks

