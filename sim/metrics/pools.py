"""Busy, on-duty and paid agent-seconds per pool and bin: occupancy is busy over on duty (breaks
and shrinkage left out), cost is paid time (breaks included)."""

from __future__ import annotations

import numpy as np

from sim.engine.records import Records
from sim.metrics.busy import busy_blocks, overlap_seconds
from sim.model.staffing import duty_steps, paid_steps, staffed_seconds
from sim.scenario.schema import Scenario


def pool_seconds(records: Records, scenario: Scenario,
                 edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(busy, on duty, paid) agent-seconds, each shaped (pools, bins), in the order of
    `records.pools`.

    Only [edges[0], edges[-1]] counts: with edges from 0 to the horizon, a
    warm-up contact still in service at t=0 adds only its time after 0.
    """
    blocks = busy_blocks(records)
    pool_codes = blocks["pool"].to_numpy()
    starts, ends = blocks["start"].to_numpy(), blocks["end"].to_numpy()
    busy = np.zeros((len(records.pools), len(edges) - 1))
    duty, paid = np.zeros_like(busy), np.zeros_like(busy)
    for p, name in enumerate(records.pools):
        mine = pool_codes == p
        busy[p] = overlap_seconds(starts[mine], ends[mine], edges)
        spec = scenario.pools[name]
        for out, steps in ((duty, duty_steps), (paid, paid_steps)):
            out[p] = staffed_seconds(steps(spec, scenario.interval, 0.0, records.horizon),
                                     records.horizon, edges)
    return busy, duty, paid


def cost_per_hour(records: Records, scenario: Scenario) -> np.ndarray:
    """Cost of one agent-hour, per pool in the order of `records.pools`."""
    return np.array([scenario.pools[name].cost_per_hour for name in records.pools])
