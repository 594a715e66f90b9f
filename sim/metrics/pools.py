"""Busy and staffed agent-seconds per pool and bin: the two sides of occupancy."""

from __future__ import annotations

import numpy as np

from sim.engine.records import Records
from sim.metrics.busy import busy_blocks, overlap_seconds
from sim.model.staffing import staffed_seconds, staffing_steps
from sim.scenario.schema import Scenario


def pool_seconds(records: Records, scenario: Scenario,
                 edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(busy, staffed) agent-seconds, each shaped (pools, bins), in the order of `records.pools`.

    Only [edges[0], edges[-1]] counts: with edges from 0 to the horizon, a
    warm-up contact still in service at t=0 adds only its time after 0.
    """
    blocks = busy_blocks(records)
    pool_codes = blocks["pool"].to_numpy()
    starts, ends = blocks["start"].to_numpy(), blocks["end"].to_numpy()
    busy = np.zeros((len(records.pools), len(edges) - 1))
    staffed = np.zeros_like(busy)
    for p, name in enumerate(records.pools):
        mine = pool_codes == p
        busy[p] = overlap_seconds(starts[mine], ends[mine], edges)
        spec = scenario.pools[name]
        steps = staffing_steps(spec.agents, spec.shifts, scenario.interval, 0.0, records.horizon)
        staffed[p] = staffed_seconds(steps, records.horizon, edges)
    return busy, staffed


def cost_per_hour(records: Records, scenario: Scenario) -> np.ndarray:
    """Cost of one agent-hour, per pool in the order of `records.pools`."""
    return np.array([scenario.pools[name].cost_per_hour for name in records.pools])
