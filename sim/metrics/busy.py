"""Time integrals: how much of each reporting bin a set of intervals covers.

Occupancy needs busy agent-seconds per bin. With a million contacts a loop
per contact is too slow, so both functions here sort once and work on whole
arrays (O(n log n)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.records import Records


def overlap_seconds(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum over intervals [start, end) of their overlap with each bin [edges[k], edges[k+1]).

    Overlapping intervals count twice (use `busy_blocks` first for a union).
    Intervals with end <= start cover nothing; `edges` must be increasing.
    Works through C(x) = total covered time before x, a piecewise-linear
    function evaluated at the edges with searchsorted and cumulative sums.
    """
    starts = np.asarray(starts, dtype=float)
    ends = np.maximum(np.asarray(ends, dtype=float), starts)
    edges = np.asarray(edges, dtype=float)
    if np.isnan(starts).any() or np.isnan(ends).any():
        raise ValueError("overlap_seconds: intervals must not contain NaN")
    return np.diff(_covered_before(np.sort(starts), edges)
                   - _covered_before(np.sort(ends), edges))


def _covered_before(times: np.ndarray, x: np.ndarray) -> np.ndarray:
    """sum over t in sorted `times` with t < x of (x - t), for each x."""
    n = np.searchsorted(times, x, side="left")
    cumulative = np.concatenate(([0.0], np.cumsum(times)))
    return n * x - cumulative[n]


def service_intervals(records: Records, pool: int | None = None, rows: slice = slice(None),
                      exchanges: slice = slice(None)) -> tuple[np.ndarray, ...]:
    """Every stretch an agent (of pool code `pool`, or of any) spent on a contact (of the
    contact rows `rows` and the exchange rows `exchanges`): (pool, agent, start, end) arrays.

    The first exchange runs [answered, replied): for a single-exchange
    contact `replied` is its end. Later exchanges of multi-message cases are
    the `exchange_*` rows, [start, end); the customer's gaps between
    exchanges are not agent time. Anything in progress at the horizon (NaN
    end) runs to the horizon.
    """
    answered, pools = records.answered[rows], records.pool[rows]
    served = ~np.isnan(answered) & (pools >= 0 if pool is None else pools == pool)
    later = np.ones(len(records.exchange_pool[exchanges]), dtype=bool) if pool is None \
        else records.exchange_pool[exchanges] == pool
    start = np.concatenate((answered[served], records.exchange_start[exchanges][later]))
    end = np.concatenate((records.replied[rows][served], records.exchange_end[exchanges][later]))
    end = np.maximum(np.where(np.isnan(end), records.horizon, end), start)
    codes = np.concatenate((pools[served], records.exchange_pool[exchanges][later]))
    agent = np.concatenate((records.agent[rows][served],
                            records.exchange_agent[exchanges][later]))
    return codes.astype(np.int16), agent.astype(np.int32), start, end


def parts(records: Records, size: int = 1 << 16) -> list[tuple[slice, slice]]:
    """(contact rows, exchange rows) in parts of at most `size` rows: what is summed over
    stretches (busy seconds) can be taken a part at a time, in little memory."""
    empty = slice(0, 0)
    return ([(slice(a, a + size), empty) for a in range(0, len(records), size)]
            + [(empty, slice(b, b + size)) for b in range(0, len(records.exchange_start), size)])


def busy_blocks(records: Records, pool: int | None = None) -> pd.DataFrame:
    """Per (pool, agent), the union of its service intervals (see `service_intervals`; of
    pool code `pool` only, if given).

    A chat agent holds several sessions at once but is busy once: occupancy
    counts the time with at least one session. Columns: pool and agent
    (codes), start, end; blocks of one agent are disjoint and sorted.
    """
    pool, agent, start, end = service_intervals(records, pool)
    order = np.lexsort((start, agent, pool))
    pool, agent, start, end = pool[order], agent[order], start[order], end[order]

    first_of_agent = np.ones(len(start), dtype=bool)
    first_of_agent[1:] = (pool[1:] != pool[:-1]) | (agent[1:] != agent[:-1])
    group = np.cumsum(first_of_agent)
    reach = pd.Series(end).groupby(group).cummax().to_numpy()  # latest end so far, per agent
    new_block = first_of_agent.copy()
    new_block[1:] |= start[1:] > reach[:-1]
    heads = np.flatnonzero(new_block)
    return pd.DataFrame({
        "pool": pool[heads],
        "agent": agent[heads],
        "start": start[heads],
        "end": np.maximum.reduceat(end, heads) if len(heads) else end[heads],
    })
